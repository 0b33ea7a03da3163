import assert from "node:assert/strict";
import { KvCache } from "../../lib/rollout/kv_cache.ts";
import { applyRules, samplingRules, topK, topP } from "../../lib/rollout/processors.ts";
import { drawToken, topLogprobs } from "../../lib/rollout/sample.ts";
import { StopWatcher } from "../../lib/rollout/stop.ts";
import { sampleSeed } from "../../lib/rollout/request.ts";
import { tinyModel } from "./_fixtures.ts";

Deno.test("topK() keeps the k most likely (and ties) without changing its input", () => {
  const p = new Float32Array([0.1, 0.3, 0.05, 0.3, 0.25]);
  const copy = p.slice();
  assert.deepEqual([...topK(2)([], p)].map((x) => x > 0), [false, true, false, true, false]);
  assert.deepEqual([...topK(3)([], p)].map((x) => x > 0), [false, true, false, true, true]);
  assert.deepEqual(
    [...topK(1)([], p)].map((x) => x > 0),
    [false, true, false, true, false],
    "ties kept",
  );
  assert.deepEqual(p, copy);
  assert.throws(() => topK(0), /k >= 1/);
});

Deno.test("topP() keeps the smallest most-likely set reaching p of the mass", () => {
  const p = new Float32Array([0.0625, 0.5, 0.125, 0.3125]); // exact in binary
  const kept = (q: number) => [...topP(q)([], p)].map((x) => x > 0);
  assert.deepEqual(kept(0.5), [false, true, false, false]);
  assert.deepEqual(kept(0.51), [false, true, false, true]);
  assert.deepEqual(kept(0.9), [false, true, true, true]);
  assert.deepEqual(kept(1), [true, true, true, true]);
  // Composed after top-k, the mass is that of the survivors.
  const rules = samplingRules({ topK: 2, topP: 0.6 }); // 0.5 / 0.8125 >= 0.6
  assert.deepEqual([...applyRules(rules, [], p)].map((x) => x > 0), [false, true, false, false]);
  assert.throws(() => topP(0), /p in \(0, 1\]/);
});

Deno.test("drawToken() inverts the cumulative weights and never draws a zero weight", () => {
  const w = new Float32Array([0, 1, 0, 3]);
  assert.equal(drawToken(w, 0), 1);
  assert.equal(drawToken(w, 0.2499), 1);
  assert.equal(drawToken(w, 0.25), 3);
  assert.equal(drawToken(w, 0.999999), 3);
  assert.throws(() => drawToken(new Float32Array(3), 0.5), /every weight is 0/);
  const top = topLogprobs(new Float32Array([0.1, 0.6, 0.3]), 2);
  assert.deepEqual(top.map((t) => t.id), [1, 2]);
  assert.ok(Math.abs(top[0].logprob - Math.log(0.6)) < 1e-7);
});

Deno.test("sampleSeed() gives each sample of a request its own stream, reproducibly", () => {
  assert.equal(sampleSeed(7, 0), sampleSeed(7, 0));
  assert.notEqual(sampleSeed(7, 0), sampleSeed(7, 1));
  assert.notEqual(sampleSeed(7, 1), sampleSeed(8, 0));
  assert.ok(Number.isSafeInteger(sampleSeed(-5, 3)) && sampleSeed(-5, 3) >= 0);
});

Deno.test("StopWatcher matches a stop string split across tokens and inside a multi-byte character", async () => {
  const { tokenizer } = await tinyModel();
  const ids = tokenizer.encode("café! ok"); // é is two byte tokens
  const watch = (stops: string[]) => {
    const w = new StopWatcher(tokenizer, new Set([258]), stops);
    for (let i = 0; i < ids.length; i++) {
      const hit = w.push(ids[i]);
      if (hit) return { at: i, reason: hit.reason, text: w.text };
    }
    w.finish();
    return { at: -1, reason: null, text: w.text };
  };
  assert.deepEqual(watch(["é!"]), { at: 5, reason: "é!", text: "caf" });
  assert.deepEqual(watch(["fé"]), { at: 4, reason: "fé", text: "ca" });
  assert.deepEqual(watch(["zz"]), { at: -1, reason: null, text: "café! ok" });
  assert.deepEqual(watch([]), { at: -1, reason: null, text: "café! ok" });
  // A stop id ends at once; its text is left out; special tokens never reach the text.
  const w = new StopWatcher(tokenizer, new Set([258]), []);
  for (const id of [104, 257, 105]) assert.equal(w.push(id), null);
  assert.deepEqual(w.push(258), { reason: 258 });
  assert.equal(w.text, "hi");
});

Deno.test("KvCache packs rows, appends steps, compacts and masks the slack", () => {
  const dims = { layers: 1, heads: 2, headDim: 2 };
  const c = new KvCache(dims);
  c.rebuild([], 2, 3);
  assert.equal(c.capacity, 64);
  // A prefill output [2 rows, 2 heads, T=3, D=2], row 0 left-padded by 1.
  const T = 3, src = Float32Array.from({ length: 2 * 2 * T * 2 }, (_, i) => i);
  c.appendColumns(0, [src, src], 0, T, 1, 2);
  c.appendColumns(1, [src, src], 1, T, 0, 3);
  assert.deepEqual(c.lengths, [2, 3]);
  const at = (row: number, head: number, col: number) => {
    const o = ((row * 2 + head) * c.capacity + col) * 2;
    return [...c.arrays[0].slice(o, o + 2)];
  };
  assert.deepEqual(at(0, 1, 0), [8, 9]); // row 0, head 1, source column 1
  assert.deepEqual(at(1, 0, 2), [16, 17]);
  c.appendStep([Float32Array.from([100, 101, 102, 103, 200, 201, 202, 203]), new Float32Array(8)]);
  assert.deepEqual(c.lengths, [3, 4]);
  assert.deepEqual(at(0, 1, 2), [102, 103]);
  assert.deepEqual(at(1, 0, 3), [200, 201]);
  const mask = c.stepMask(1);
  assert.equal(mask.length, 2 * 65);
  assert.deepEqual([...mask.slice(0, 4)].map(Number), [1, 1, 1, 0]);
  assert.equal(mask[64], 1n);
  c.rebuild([1], 0);
  assert.deepEqual(c.lengths, [4]);
  assert.deepEqual(at(0, 0, 3), [200, 201]);
  c.ensureCapacity(65);
  assert.equal(c.capacity, 128);
  assert.deepEqual(at(0, 0, 3), [200, 201]);
});

Deno.test("KvCache compacts in place when the capacity stays, zeroing reused rows", () => {
  const dims = { layers: 1, heads: 2, headDim: 1 };
  const c = new KvCache(dims);
  c.rebuild([], 3, 2);
  const C = c.capacity;
  // Row r, head h, column j holds 100r + 10h + j (+ 1000 in the values array).
  for (let r = 0; r < 3; r++) {
    const src = Float32Array.from({ length: 2 * 2 }, (_, i) => 100 * r + 10 * (i >> 1) + (i & 1));
    c.appendColumns(r, [src, src.map((x) => x + 1000)], 0, 2, 0, 2);
  }
  c.appendStep([Float32Array.from([7, 8, 9, 10, 11, 12]), new Float32Array(6)]); // row 1: 9, 10
  const buffer = c.arrays[0].buffer;
  c.rebuild([1, 2], 0); // row 0 leaves
  assert.equal(c.arrays[0].buffer, buffer, "same buffer: compacted in place");
  assert.equal(c.arrays[0].length, 2 * 2 * C);
  assert.deepEqual(c.lengths, [3, 3]);
  const at = (a: number, row: number, head: number, col: number) =>
    c.arrays[a][(row * 2 + head) * C + col];
  assert.deepEqual([0, 1, 2].map((j) => at(0, 0, 0, j)), [100, 101, 9]);
  assert.deepEqual([0, 1, 2].map((j) => at(0, 0, 1, j)), [110, 111, 10]);
  assert.deepEqual([0, 1].map((j) => at(1, 1, 1, j)), [1210, 1211]);
  // A row joins where row 0 was: same buffer, its columns zeroed.
  c.rebuild([0, 1], 1);
  assert.equal(c.arrays[0].buffer, buffer);
  assert.deepEqual(c.lengths, [3, 3, 0]);
  assert.ok(c.arrays[0].subarray(2 * 2 * C).every((x) => x === 0));
  assert.ok(c.arrays[1].subarray(2 * 2 * C).every((x) => x === 0));
  assert.equal(at(0, 1, 1, 1), 211);
  // Growing the capacity reallocates and keeps every row.
  c.ensureCapacity(C + 1);
  assert.notEqual(c.arrays[0].buffer, buffer);
  assert.equal(c.capacity, 2 * C);
  assert.equal(c.arrays[0][(0 * 2 + 1) * 2 * C + 2], 10);
});
