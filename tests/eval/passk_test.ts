import assert from "node:assert/strict";
import { countSamples, passAtK, passAtKs } from "../../lib/eval/passk.ts";

/** C(n, k) exactly with BigInt, for a reference value. */
function binom(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
}

Deno.test("passAtK() equals 1 - C(n-c,k)/C(n,k) computed exactly", () => {
  for (const [n, c, k] of [[10, 3, 1], [10, 3, 5], [20, 1, 10], [50, 7, 3], [200, 13, 100]]) {
    const exact = 1 - Number((binom(n - c, k) * 10n ** 15n) / binom(n, k)) / 1e15;
    assert.ok(Math.abs(passAtK(n, c, k) - exact) < 1e-12, `n=${n} c=${c} k=${k}`);
  }
  assert.ok(Math.abs(passAtK(10, 3, 1) - 0.3) < 1e-15);
  assert.equal(passAtK(10, 0, 5), 0);
});

Deno.test("passAtK() is 1 when fewer than k samples failed, and finite for large n", () => {
  assert.equal(passAtK(5, 4, 2), 1);
  assert.equal(passAtK(5, 5, 1), 1);
  const v = passAtK(100000, 3, 1000);
  assert.ok(v > 0.029 && v < 0.03, `${v}`); // ~ 1 - (1 - 0.01)^3
});

Deno.test("passAtK() rejects k > n and inconsistent counts", () => {
  assert.throws(() => passAtK(3, 1, 5), /needs at least k samples/);
  assert.throws(() => passAtK(3, 4, 1), /0 <= c <= n/);
  assert.throws(() => passAtK(3, 1, 0), /k >= 1/);
});

Deno.test("passAtKs() reports a k only when every problem has n >= k", () => {
  const r = passAtKs([{ n: 10, c: 5 }, { n: 4, c: 0 }, { n: 4, c: 4 }], [1, 4, 10]);
  assert.deepEqual(r.map((x) => x.k), [1, 4]);
  assert.deepEqual(r[0].perProblem, [0.5, 0, 1]);
  assert.equal(r[0].mean, 0.5);
  const p4 = 1 - (5 * 4 * 3 * 2) / (10 * 9 * 8 * 7); // 1 - C(5,4)/C(10,4)
  assert.ok(Math.abs(r[1].perProblem[0] - p4) < 1e-15);
  assert.ok(Math.abs(r[1].mean - (p4 + 0 + 1) / 3) < 1e-15);
  assert.deepEqual(passAtKs([]), []);
});

Deno.test("countSamples() counts samples and passes per task", () => {
  const m = countSamples([
    { taskId: "a", correct: true },
    { taskId: "b", correct: false },
    { taskId: "a", correct: false },
  ]);
  assert.deepEqual([...m.entries()], [["a", { n: 2, c: 1 }], ["b", { n: 1, c: 0 }]]);
});
