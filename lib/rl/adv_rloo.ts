/**
 * RLOO: REINFORCE leave-one-out (Ahmadian et al., arXiv 2402.14740), as verl's
 * `compute_rloo_outcome_advantage` (`adv_estimator: rloo`).
 *
 * @module
 */

import { broadcastRows, checkInput, groupStats } from "./_rows.ts";
import { sequenceScores } from "./scores.ts";
import type {
  AdvantageEstimator,
  AdvantageInput,
  AdvantageOptions,
  AdvantageOutput,
} from "./types.ts";

/**
 * Computes RLOO advantages. Row score `s_i` = the sum of the row's token rewards; in a group
 * of n > 1 rows `A_i = s_i - mean_{j != i} s_j = n/(n-1) * (s_i - mean)`. A group of size 1
 * has no other sample to form a baseline from and gets `A = 0` (verl instead leaves the raw
 * score `s_i` there, i.e. REINFORCE without a baseline). `A` is broadcast over the row's
 * response tokens; no whitening. `returns` = `advantages`, as verl.
 *
 * @param input rows x width layout: `tokenRewards`, `responseMask` [rows*width], `groups` [rows]
 * @param _options not read
 * @returns `advantages` = `returns`, [rows*width] float32, 0 at padding
 */
export function rlooAdvantage(input: AdvantageInput, _options: AdvantageOptions): AdvantageOutput {
  checkInput(input);
  const scores = sequenceScores(input.tokenRewards, input);
  const g = groupStats(scores, input.groups);
  const perRow = scores.map((s, b) => {
    const n = g.size[b];
    return n > 1 ? (n / (n - 1)) * (s - g.mean[b]) : 0;
  });
  const advantages = Float32Array.from(broadcastRows(perRow, input));
  return { advantages, returns: advantages };
}

/** `rloo`: no critic, groups of `rollout.n` samples per prompt. */
export const rlooEstimator: AdvantageEstimator = {
  name: "rloo",
  needsCritic: false,
  needsGroups: true,
  fn: rlooAdvantage,
};
