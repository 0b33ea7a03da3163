/**
 * The kit's statistics, one home for evaluation and analysis: mean, standard deviation,
 * percentiles (numpy's default linear interpolation), the logistic function and its
 * maximum-likelihood fit, seeded bootstrap confidence intervals, and an exponential moving
 * average for training curves. Pure functions over plain arrays.
 *
 * @module
 */

import { Rng } from "./rng.ts";

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

/** Options for {@link bootstrapCI}. */
export interface BootstrapOptions {
  /** Number of resamples. @default 100 */
  rounds?: number;
  /** Seed of the resampling generator. @default 0 */
  seed?: number;
  /** Lower percentile. @default 2.5 */
  lower?: number;
  /** Upper percentile. @default 97.5 */
  upper?: number;
}

/** A bootstrap interval. */
export interface Interval {
  /** The `lower` percentile of the replicates. */
  lower: number;
  /** The `upper` percentile of the replicates. */
  upper: number;
  /** The replicates, in draw order. */
  replicates: number[];
}

/**
 * Bootstraps a statistic of `n` questions.
 *
 * @param n the number of questions
 * @param statistic computes the statistic on a resample, given as question indices
 * @param options rounds, seed and percentiles
 * @returns the interval and the replicates
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapCI } from "./stats.ts";
 * const xs = [0, 1, 1, 0, 1];
 * const ci = bootstrapCI(xs.length, (idx) => idx.reduce((s, i) => s + xs[i], 0) / idx.length, { seed: 1 });
 * assert.ok(ci.lower <= 0.6 && 0.6 <= ci.upper);
 * ```
 */
export function bootstrapCI(
  n: number,
  statistic: (indices: number[]) => number,
  options: BootstrapOptions = {},
): Interval {
  const rounds = options.rounds ?? 100;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`bootstrapCI: need at least one question, got ${n}`);
  }
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`bootstrapCI: rounds must be a positive integer, got ${rounds}`);
  }
  const rng = new Rng(options.seed ?? 0);
  const replicates: number[] = [];
  const idx = new Array<number>(n);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    replicates.push(statistic(idx));
  }
  return {
    lower: percentile(replicates, options.lower ?? 2.5),
    upper: percentile(replicates, options.upper ?? 97.5),
    replicates,
  };
}

/** A fitted logistic model p(x) = sigmoid(intercept + slope * x). */
export interface LogisticFit {
  /** a */
  intercept: number;
  /** b */
  slope: number;
  /** Newton iterations used. */
  iterations: number;
}

/** Options for {@link fitLogistic}. */
export interface LogisticOptions {
  /** L2 penalty on the slope (keeps separable data finite). @default 1e-6 */
  l2?: number;
  /** Maximum Newton iterations. @default 100 */
  maxIterations?: number;
  /** Stop when both parameter steps are below this. @default 1e-12 */
  tolerance?: number;
}

/**
 * Fits p(x) = sigmoid(a + b x) to outcomes y in [0, 1] by penalised maximum likelihood.
 *
 * @param x the covariate, one per question
 * @param y the outcomes in [0, 1] (soft or hard)
 * @param options penalty and stopping rule
 * @returns the fit
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitLogistic } from "./stats.ts";
 * const s = (t: number) => 1 / (1 + Math.exp(-t));
 * const fit = fitLogistic([-1, 1], [s(0.3 - 2), s(0.3 + 2)], { l2: 0 });
 * assert.ok(Math.abs(fit.intercept - 0.3) < 1e-9 && Math.abs(fit.slope - 2) < 1e-9);
 * ```
 */
export function fitLogistic(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticFit {
  if (x.length !== y.length || x.length === 0) {
    throw new Error(
      `fitLogistic: need as many outcomes as covariates (>0), got ${y.length} and ${x.length}`,
    );
  }
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] <= 1) || !Number.isFinite(x[i])) {
      throw new Error(
        `fitLogistic: row ${i}: expected finite x and y in [0, 1], got x=${x[i]} y=${y[i]}`,
      );
    }
  }
  const l2 = options.l2 ?? 1e-6;
  const maxIterations = options.maxIterations ?? 100;
  const tol = options.tolerance ?? 1e-12;
  let a = 0;
  let b = 0;
  let iterations = maxIterations;
  for (let it = 1; it <= maxIterations && iterations === maxIterations; it++) {
    // Gradient and Hessian of the negative log-likelihood (+ l2/2 * b^2).
    let ga = 0, gb = l2 * b, haa = 0, hab = 0, hbb = l2;
    for (let i = 0; i < x.length; i++) {
      const p = sigmoid(a + b * x[i]);
      const w = Math.max(p * (1 - p), 1e-12);
      ga += p - y[i];
      gb += (p - y[i]) * x[i];
      haa += w;
      hab += w * x[i];
      hbb += w * x[i] * x[i];
    }
    const det = haa * hbb - hab * hab;
    let da: number, db: number;
    if (det > 1e-300 * Math.max(1, haa * hbb)) {
      da = (hbb * ga - hab * gb) / det;
      db = (haa * gb - hab * ga) / det;
    } else { // x carries no information (all equal): fit the intercept alone
      da = ga / haa;
      db = 0;
    }
    a -= da;
    b -= db;
    if (Math.abs(da) < tol && Math.abs(db) < tol) iterations = it;
  }
  return { intercept: a, slope: b, iterations };
}

/**
 * The sample standard deviation (n - 1 in the denominator; 0 for a single value).
 *
 * @param values the values (not empty)
 * @returns their standard deviation
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { std } from "./stats.ts";
 * assert.equal(std([1, 3]), Math.SQRT2);
 * ```
 */
export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - m) ** 2;
  return values.length < 2 ? 0 : Math.sqrt(s / (values.length - 1));
}

/**
 * Pearson's correlation coefficient (NaN when either side is constant).
 *
 * @param x the first variable
 * @param y the second, as long as `x`
 * @returns r in [-1, 1]
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pearson } from "./stats.ts";
 * assert.equal(pearson([1, 2, 3], [2, 4, 6]), 1);
 * ```
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length || x.length === 0) {
    throw new Error(
      `pearson: need two non-empty arrays of one length, got ${x.length} and ${y.length}`,
    );
  }
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * Exponential moving average as TensorBoard and W&B smooth curves, debiased so the first
 * points are not pulled towards zero: s_t = w s_{t-1} + (1 - w) x_t, reported as
 * s_t / (1 - w^t). Non-finite values (a missing step) are passed through as NaN and do not
 * update the average.
 *
 * @param values the series in step order
 * @param weight the smoothing weight w in [0, 1): 0 returns the series unchanged
 * @returns the smoothed series, as long as `values`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ema } from "./stats.ts";
 * assert.deepEqual(ema([1, 3], 0.5), [1, (0.5 * 0.5 + 0.5 * 3) / 0.75]);
 * ```
 */
export function ema(values: ArrayLike<number>, weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`ema: weight must be in [0, 1), got ${weight}`);
  const out: number[] = [];
  let s = 0;
  let t = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isFinite(x)) {
      s = weight * s + (1 - weight) * x;
      t++;
    }
    out.push(Number.isFinite(x) ? s / (1 - weight ** t) : NaN);
  }
  return out;
}
