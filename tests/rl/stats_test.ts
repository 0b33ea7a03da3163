import assert from "node:assert/strict";
import {
  explainedVariance,
  maskedMax,
  maskedMean,
  maskedMin,
  maskedStd,
  pearson,
  percentile,
  percentiles,
  summarize,
} from "../../lib/rl/stats.ts";

const near = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("masked statistics read only the elements where the mask is nonzero", () => {
  const x = new Float32Array([2, -7, 4, 9, 6]);
  const mask = new Float32Array([1, 0, 1, 0, 1]);
  assert.equal(maskedMean(x, mask), 4);
  assert.equal(maskedStd(x, mask), 2); // deviations -2, 0, 2 -> 8/2 = 4
  assert.equal(maskedMin(x, mask), 2);
  assert.equal(maskedMax(x, mask), 6);
  assert.deepEqual(summarize(x, mask), { count: 3, mean: 4, std: 2, min: 2, max: 6 });
  assert.equal(maskedMean(x), 2.8);
  assert.equal(maskedMin(x), -7);
});

Deno.test("masked statistics give std 0 for one element and throw for none", () => {
  assert.equal(maskedStd([5, 1], [0, 1]), 0);
  assert.throws(() => maskedMean([5, 1], [0, 0]), /mean of no elements/);
  assert.throws(() => summarize([]), /of no elements/);
  assert.throws(() => maskedMax([1, 2], [1]), /mask has 1/);
});

Deno.test("explainedVariance() is 1 - var(returns - values)/(var(returns) + 1e-5) over the mask", () => {
  // masked returns 1,2,3,4 (var 5/3), values 1,2,2,5 -> diff 0,0,1,-1 (var 2/3)
  const ev = explainedVariance([1, 2, 3, 4, 100], [1, 2, 2, 5, -100], [1, 1, 1, 1, 0]);
  near(ev, 1 - (2 / 3) / (5 / 3 + 1e-5));
  near(explainedVariance([1, 2, 3], [1, 2, 3], [1, 1, 1]), 1);
  assert.ok(Number.isNaN(explainedVariance([1, 2], [0, 0], [1, 0])));
});

Deno.test("pearson() matches a hand-computed correlation and is 0 for a constant series", () => {
  // dx (-1.5,-0.5,0.5,1.5), dy (-0.5,-1.5,1.5,0.5): 3 / sqrt(5*5)
  near(pearson([1, 2, 3, 4], [2, 1, 4, 3]), 0.6);
  near(pearson([1, 2, 3], [3, 2, 1]), -1);
  assert.equal(pearson([1, 2, 3], [4, 4, 4]), 0);
  assert.equal(pearson([1], [2]), 0);
  assert.throws(() => pearson([1, 2], [1]), /lengths differ/);
});

Deno.test("percentile() interpolates linearly between sorted values", () => {
  const x = [50, 10, 40, 20, 30];
  assert.equal(percentile(x, 50), 30);
  near(percentile(x, 90), 46); // position 3.6 between 40 and 50
  assert.deepEqual(percentiles(x, [0, 25, 100]), [10, 20, 50]);
  assert.deepEqual(x, [50, 10, 40, 20, 30]);
  assert.equal(percentile([7], 90), 7);
  assert.throws(() => percentile(x, 101), /must be in \[0, 100\]/);
  assert.throws(() => percentile([], 50), /no elements/);
});
