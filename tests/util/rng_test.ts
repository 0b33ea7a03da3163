import assert from "node:assert/strict";
import { Rng } from "../../lib/util/rng.ts";

Deno.test("Rng.nextU32() follows the xoshiro128** reference sequence", () => {
  // Outputs of the reference C code (Blackman & Vigna) from state {1, 2, 3, 4}.
  const r = Rng.fromState({ s: [1, 2, 3, 4], spare: null });
  assert.deepEqual([r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()], [
    11520,
    0,
    5927040,
    70819200,
  ]);
});

Deno.test("Rng gives the same stream for the same seed and different streams for different seeds", () => {
  const draw = (seed: number) => {
    const r = new Rng(seed);
    return [r.nextU32(), r.float(), r.normal(), r.int(1000)];
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  assert.notDeepEqual(draw(5), draw(5 + 2 ** 32), "the high word of the seed matters");
});

Deno.test("Rng.getState() / fromState() resume the exact stream, including a cached normal", () => {
  const a = new Rng(7);
  a.normal(); // leaves the second Box-Muller sample cached
  const state = JSON.parse(JSON.stringify(a.getState()));
  assert.notEqual(state.spare, null);
  const b = Rng.fromState(state);
  for (let i = 0; i < 5; i++) assert.equal(b.normal(), a.normal());
  assert.equal(b.nextU32(), a.nextU32());
  assert.throws(() => Rng.fromState({ s: [0, 0, 0, 0], spare: null }), /Rng\.setState: expected/);
  assert.throws(
    () => Rng.fromState({ s: [1, 2, 3], spare: null } as never),
    /Rng\.setState: expected/,
  );
});

Deno.test("Rng.float(), int() and normal() have the right ranges and moments", () => {
  const r = new Rng(123);
  const n = 200_000;
  let sum = 0, sumN = 0, sumN2 = 0;
  const counts = new Array(7).fill(0);
  for (let i = 0; i < n; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    sum += f;
    counts[r.int(7)]++;
    const z = r.normal(2, 3);
    sumN += z;
    sumN2 += z * z;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.005);
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 7) < 0.005, `int(7) counts ${counts}`);
  const mean = sumN / n, std = Math.sqrt(sumN2 / n - mean * mean);
  assert.ok(Math.abs(mean - 2) < 0.03 && Math.abs(std - 3) < 0.03, `mean ${mean} std ${std}`);
  assert.throws(() => r.int(0), /Rng\.int: n must be an integer/);
});

Deno.test("Rng.shuffle() permutes in place and fillNormal() fills every element", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = new Rng(1).shuffle([...items]);
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual([...shuffled].sort((a, b) => a - b), items);
  const buf = new Rng(2).fillNormal(new Float32Array(1000), 0.02);
  assert.ok(buf.every((v) => v !== 0 && Math.abs(v) < 0.2));
  // fillNormal() draws the same stream as repeated normal() calls, whatever the cached state.
  for (const [pre, n] of [[0, 7], [1, 7], [1, 8], [0, 1]]) {
    const a = new Rng(3), b = new Rng(3);
    for (let k = 0; k < pre; k++) assert.equal(a.normal(), b.normal());
    const filled = a.fillNormal(new Float64Array(n), 0.3, 1);
    assert.deepEqual([...filled], Array.from({ length: n }, () => b.normal(1, 0.3)));
    assert.equal(a.normal(), b.normal());
  }
});
