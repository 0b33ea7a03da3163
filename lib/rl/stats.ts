/**
 * Batch statistics for the step's metrics (verl's `metric_utils.compute_data_metrics` and
 * the kit's extras from rl.md §3): masked mean/std/min/max, the critic's explained variance,
 * reward-length correlation and percentiles. Pure functions, float64 inside. A mask is
 * optional where noted; an element counts where its mask is nonzero.
 *
 * @module
 */

/** Summary of the selected elements. */
export interface Summary {
  /** How many elements were selected. */
  count: number;
  mean: number;
  /** Unbiased (torch.std's default); 0 for a single element. */
  std: number;
  min: number;
  max: number;
}

function selected(x: ArrayLike<number>, mask?: ArrayLike<number>): number[] {
  if (mask === undefined) return Array.from(x);
  if (mask.length !== x.length) {
    throw new RangeError(`values has ${x.length} elements but mask has ${mask.length}`);
  }
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (mask[i] !== 0) out.push(x[i]);
  return out;
}

function nonEmpty(xs: number[], what: string): number[] {
  if (xs.length === 0) throw new RangeError(`${what} of no elements`);
  return xs;
}

function meanOf(xs: number[]): number {
  let s = 0;
  for (const v of xs) s += v;
  return s / xs.length;
}

function unbiasedVar(xs: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = meanOf(xs);
  let ss = 0;
  for (const v of xs) ss += (v - m) ** 2;
  return ss / (n - 1);
}

/**
 * Mean of the masked-in elements.
 *
 * @param x [n] values
 * @param mask [n] optional mask (all elements when omitted)
 * @returns the mean
 * @throws RangeError when nothing is selected
 */
export function maskedMean(x: ArrayLike<number>, mask?: ArrayLike<number>): number {
  return meanOf(nonEmpty(selected(x, mask), "mean"));
}

/**
 * Unbiased standard deviation of the masked-in elements; 0 for a single element (torch
 * would give NaN, which a metric log does not want).
 *
 * @param x [n] values
 * @param mask [n] optional mask
 * @returns the std
 * @throws RangeError when nothing is selected
 */
export function maskedStd(x: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const xs = nonEmpty(selected(x, mask), "std");
  return xs.length < 2 ? 0 : Math.sqrt(unbiasedVar(xs));
}

/**
 * Minimum of the masked-in elements.
 *
 * @param x [n] values
 * @param mask [n] optional mask
 * @returns the minimum
 * @throws RangeError when nothing is selected
 */
export function maskedMin(x: ArrayLike<number>, mask?: ArrayLike<number>): number {
  return nonEmpty(selected(x, mask), "min").reduce((a, b) => Math.min(a, b));
}

/**
 * Maximum of the masked-in elements.
 *
 * @param x [n] values
 * @param mask [n] optional mask
 * @returns the maximum
 * @throws RangeError when nothing is selected
 */
export function maskedMax(x: ArrayLike<number>, mask?: ArrayLike<number>): number {
  return nonEmpty(selected(x, mask), "max").reduce((a, b) => Math.max(a, b));
}

/**
 * Count, mean, unbiased std, min and max of the masked-in elements in one pass over the mask.
 *
 * @param x [n] values
 * @param mask [n] optional mask
 * @returns the summary
 * @throws RangeError when nothing is selected
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { summarize } from "./stats.ts";
 * deepStrictEqual(summarize([1, 3, 100], [1, 1, 0]), {
 *   count: 2, mean: 2, std: Math.SQRT2, min: 1, max: 3,
 * });
 * ```
 */
export function summarize(x: ArrayLike<number>, mask?: ArrayLike<number>): Summary {
  const xs = nonEmpty(selected(x, mask), "summary");
  return {
    count: xs.length,
    mean: meanOf(xs),
    std: xs.length < 2 ? 0 : Math.sqrt(unbiasedVar(xs)),
    min: xs.reduce((a, b) => Math.min(a, b)),
    max: xs.reduce((a, b) => Math.max(a, b)),
  };
}

/**
 * The critic's explained variance over response tokens, verl's `critic/vf_explained_var`:
 * `1 - var(returns - values) / (var(returns) + 1e-5)`, both variances unbiased (torch.var).
 *
 * @param returns [rows*width] value targets
 * @param values [rows*width] the critic's values
 * @param mask [rows*width] response mask
 * @returns the explained variance; NaN with fewer than 2 response tokens (as torch.var)
 */
export function explainedVariance(
  returns: ArrayLike<number>,
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
): number {
  if (values.length !== returns.length) {
    throw new RangeError(`returns has ${returns.length} elements but values has ${values.length}`);
  }
  const r = selected(returns, mask);
  const v = selected(values, mask);
  return 1 - unbiasedVar(r.map((ri, i) => ri - v[i])) / (unbiasedVar(r) + 1e-5);
}

/**
 * Pearson correlation of two equally long series (e.g. sequence reward vs response length).
 * NaN-free: 0 when either series has zero variance or fewer than 2 elements.
 *
 * @param x [n] first series
 * @param y [n] second series
 * @returns the correlation in [-1, 1]
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { pearson } from "./stats.ts";
 * equal(pearson([1, 2, 3], [2, 4, 6]), 1);
 * equal(pearson([1, 2, 3], [5, 5, 5]), 0);
 * ```
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`lengths differ: ${x.length} vs ${y.length}`);
  const n = x.length;
  if (n < 2) return 0;
  const mx = meanOf(Array.from(x));
  const my = meanOf(Array.from(y));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return 0;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * The q-th percentile with linear interpolation between order statistics (numpy's and
 * torch.quantile's default): position `(n-1)*q/100` in the sorted values.
 *
 * @param x [n] values (not modified)
 * @param q percentile in [0, 100], e.g. 50 or 90
 * @returns the percentile
 * @throws RangeError when `x` is empty or `q` is outside [0, 100]
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { percentile } from "./stats.ts";
 * equal(percentile([4, 1, 3, 2], 50), 2.5);
 * equal(percentile([4, 1, 3, 2], 90), 3.7);
 * ```
 */
export function percentile(x: ArrayLike<number>, q: number): number {
  return percentiles(x, [q])[0];
}

/**
 * Several percentiles of one series, sorting it once (see {@link percentile}).
 *
 * @param x [n] values (not modified)
 * @param qs percentiles in [0, 100]
 * @returns one value per `qs` entry
 * @throws RangeError when `x` is empty or a `q` is outside [0, 100]
 */
export function percentiles(x: ArrayLike<number>, qs: number[]): number[] {
  if (x.length === 0) throw new RangeError("percentile of no elements");
  const sorted = Float64Array.from(x).sort();
  return qs.map((q) => {
    if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${q}`);
    const pos = ((sorted.length - 1) * q) / 100;
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  });
}
