/**
 * Small statistics over plain arrays: mean, percentiles (numpy's default linear
 * interpolation) and the logistic function.
 *
 * @module
 */

/**
 * The arithmetic mean.
 *
 * @param values the values (not empty)
 * @returns their mean
 * @throws on an empty array
 */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) throw new Error("mean: empty array");
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/**
 * A percentile with linear interpolation between order statistics (numpy's default
 * `np.percentile(x, p)`, pandas' `quantile(p / 100)`).
 *
 * @param values the values (not empty; not modified)
 * @param p the percentile in [0, 100]
 * @returns the interpolated value
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentile } from "./stats.ts";
 * assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
 * assert.equal(percentile([10, 0], 90), 9);
 * ```
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new Error("percentile: empty array");
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile: p must be in [0, 100], got ${p}`);
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * p / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The logistic function 1 / (1 + e^-x), stable for large |x|.
 *
 * @param x the argument
 * @returns sigmoid(x) in (0, 1)
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
