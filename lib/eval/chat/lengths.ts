/**
 * Response-length statistics (mean, median, 90th percentile) in tokens or characters.
 *
 * @module
 */

import { mean, percentile } from "./stats.ts";

/** Summary of response lengths. */
export interface LengthStats {
  /** Number of responses. */
  n: number;
  /** Mean length. */
  mean: number;
  /** Median (50th percentile, linear interpolation). */
  median: number;
  /** 90th percentile (linear interpolation). */
  p90: number;
  /** Shortest and longest. */
  min: number;
  max: number;
}

/**
 * Summarises lengths.
 *
 * @param lengths one length per response (not empty)
 * @returns n, mean, median, p90, min, max
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lengthStats } from "./lengths.ts";
 * const s = lengthStats([1, 2, 3, 10]);
 * assert.deepEqual([s.n, s.mean, s.median, s.min, s.max], [4, 4, 2.5, 1, 10]);
 * assert.ok(Math.abs(s.p90 - 7.9) < 1e-12);
 * ```
 */
export function lengthStats(lengths: ArrayLike<number>): LengthStats {
  if (lengths.length === 0) throw new Error("lengthStats: no responses");
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < lengths.length; i++) {
    min = Math.min(min, lengths[i]);
    max = Math.max(max, lengths[i]);
  }
  return {
    n: lengths.length,
    mean: mean(lengths),
    median: percentile(lengths, 50),
    p90: percentile(lengths, 90),
    min,
    max,
  };
}

/**
 * Lengths of texts: characters (Unicode code points) by default, or tokens with a counter.
 *
 * @param texts the responses
 * @param count counts the length of one text (e.g. a tokenizer's `encode(t).length`)
 * @returns one length per text
 */
export function textLengths(
  texts: string[],
  count: (text: string) => number = (t) => [...t].length,
): number[] {
  return texts.map(count);
}
