/**
 * Bootstrap confidence intervals over questions: resample question indices with
 * replacement (seeded), recompute a statistic, and take percentiles of the replicates
 * (Arena-Hard uses 100 rounds and the 2.5 / 97.5 percentiles).
 *
 * @module
 */

import { Rng } from "../../util/rng.ts";
import { percentile } from "./stats.ts";

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
 * import { bootstrapCI } from "./bootstrap.ts";
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
