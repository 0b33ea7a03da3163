import assert from "node:assert/strict";
import {
  bootstrapCI,
  ema,
  fitLogistic,
  mean,
  pearson,
  percentile,
  std,
} from "../../lib/util/stats.ts";
import * as evalStats from "../../lib/eval/chat/stats.ts";
import * as evalBootstrap from "../../lib/eval/chat/bootstrap.ts";
import * as evalLength from "../../lib/eval/chat/length_control.ts";

Deno.test("percentile() interpolates linearly as numpy does", () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([1, 2, 3, 4], 25), 1.75); // h = 0.75
  assert.equal(percentile([5], 97.5), 5);
});

Deno.test("mean(), std() and pearson() give the textbook values", () => {
  assert.equal(mean([1, 2, 3, 6]), 3);
  assert.equal(std([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
  assert.equal(pearson([1, 2, 3], [3, 2, 1]), -1);
  assert.ok(Number.isNaN(pearson([1, 1], [1, 2])));
});

Deno.test("ema() is debiased: a constant series stays constant", () => {
  assert.deepEqual(ema([2, 2, 2], 0.9).map((v) => Math.round(v * 1e12) / 1e12), [2, 2, 2]);
  assert.deepEqual(ema([1, 3], 0), [1, 3]);
  // w = 0.5: s1 = 0.5 -> 0.5/0.5 = 1; s2 = 0.25 + 1.5 = 1.75 -> 1.75/0.75
  assert.deepEqual(ema([1, 3], 0.5), [1, 1.75 / 0.75]);
  assert.ok(Number.isNaN(ema([1, NaN, 3], 0.5)[1]));
});

Deno.test("bootstrapCI() is a function of its seed", () => {
  const xs = [0, 1, 1, 0, 1, 0, 0, 1];
  const stat = (idx: number[]) => idx.reduce((s, i) => s + xs[i], 0) / idx.length;
  const a = bootstrapCI(xs.length, stat, { seed: 3, rounds: 200 });
  const b = bootstrapCI(xs.length, stat, { seed: 3, rounds: 200 });
  assert.deepEqual(a, b);
  assert.ok(a.lower < 0.5 && 0.5 < a.upper);
  const one = bootstrapCI(1, () => 0.25, { seed: 1 });
  assert.deepEqual([one.lower, one.upper], [0.25, 0.25]);
});

Deno.test("fitLogistic() recovers the parameters of noiseless soft outcomes", () => {
  const s = (t: number) => 1 / (1 + Math.exp(-t));
  const fit = fitLogistic([-1, 0, 1], [s(-0.5 - 1), s(-0.5), s(-0.5 + 1)], { l2: 0 });
  assert.ok(Math.abs(fit.intercept + 0.5) < 1e-9 && Math.abs(fit.slope - 1) < 1e-9);
  assert.ok(fit.iterations < 100);
});

Deno.test("lib/eval/chat uses the shared statistics, not a copy of its own", () => {
  assert.equal(evalStats.percentile, percentile);
  assert.equal(evalBootstrap.bootstrapCI, bootstrapCI);
  assert.equal(evalLength.fitLogistic, fitLogistic);
});
