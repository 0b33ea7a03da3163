/**
 * Row scores <-> the response layout: where an outcome reward goes on the token grid, and
 * the row score an outcome estimator reads back from it.
 *
 * @module
 */

import { checkTokenArray } from "./_rows.ts";
import type { ResponseLayout } from "./types.ts";

/**
 * Places each row's score on its last response token (verl's `token_level_scores`: the
 * reward manager writes the score at index `response_length - 1`), 0 elsewhere.
 *
 * @param scores [rows] one score per row
 * @param layout the batch's layout (`responseMask` is [rows*width])
 * @returns [rows*width] the token scores
 * @throws RangeError when a row has no response token (the row is named) or on a length mismatch
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { placeScores } from "./scores.ts";
 * const responseMask = new Float32Array([1, 1, 1, 1, 0, 0]);
 * deepStrictEqual(
 *   placeScores([2, 5], { rows: 2, width: 3, responseMask }),
 *   new Float32Array([0, 0, 2, 5, 0, 0]),
 * );
 * ```
 */
export function placeScores(scores: number[], layout: ResponseLayout): Float32Array {
  const { rows, width, responseMask } = layout;
  checkTokenArray(layout, responseMask, "responseMask");
  if (scores.length !== rows) {
    throw new RangeError(`scores has ${scores.length} elements, expected rows = ${rows}`);
  }
  const out = new Float32Array(rows * width);
  for (let b = 0; b < rows; b++) {
    let last = -1;
    for (let k = width - 1; k >= 0; k--) {
      if (responseMask[b * width + k] !== 0) {
        last = k;
        break;
      }
    }
    if (last < 0) throw new RangeError(`row ${b} has no response token to place its score on`);
    out[b * width + last] = scores[b];
  }
  return out;
}

/**
 * Sums each row's token rewards: the sequence score outcome estimators use (verl's
 * `token_level_rewards.sum(dim=-1)`, over the whole row as verl; padding holds 0 by contract).
 *
 * @param tokenRewards [rows*width] per-token rewards
 * @param layout the batch's layout
 * @returns [rows] the row sums (float64)
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { sequenceScores } from "./scores.ts";
 * const responseMask = new Float32Array([1, 1, 1, 0]);
 * const rewards = new Float32Array([0.5, 1, 3, 0]);
 * deepStrictEqual(sequenceScores(rewards, { rows: 2, width: 2, responseMask }), [1.5, 3]);
 * ```
 */
export function sequenceScores(tokenRewards: ArrayLike<number>, layout: ResponseLayout): number[] {
  const { rows, width } = layout;
  checkTokenArray(layout, tokenRewards, "tokenRewards");
  const out = new Array<number>(rows).fill(0);
  for (let b = 0; b < rows; b++) {
    for (let k = 0; k < width; k++) out[b] += tokenRewards[b * width + k];
  }
  return out;
}
