/**
 * GRPO: group-relative outcome advantage (Shao et al., DeepSeekMath, arXiv 2402.03300), as
 * verl's `compute_grpo_outcome_advantage` (`adv_estimator: grpo`). With
 * `normAdvByStd = false` it is Dr.GRPO (Liu et al., "Understanding R1-Zero-Like Training",
 * arXiv 2503.20783): the group mean is subtracted but not divided by the std.
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

/** verl's `epsilon` in `(s - mean) / (std + epsilon)`. */
export const GRPO_EPSILON = 1e-6;

/**
 * Computes GRPO advantages. Row score `s` = the sum of the row's token rewards; per group
 * (rows sharing `groups[b]`) `A = (s - mean) / (std + 1e-6)` with the unbiased std, or
 * `A = s - mean` when `normAdvByStd` is false. A group of size 1 uses mean 0 and std 1 (so
 * `A ~= s`); a group whose scores are all equal gets `A = 0`. `A` is broadcast over the
 * row's response tokens; no batch whitening. `returns` = `advantages`, as verl.
 *
 * @param input rows x width layout: `tokenRewards`, `responseMask` [rows*width], `groups` [rows]
 * @param options `normAdvByStd` (`gamma`, `lam` are not read)
 * @returns `advantages` = `returns`, [rows*width] float32, 0 at padding
 */
export function grpoAdvantage(input: AdvantageInput, options: AdvantageOptions): AdvantageOutput {
  checkInput(input);
  const scores = sequenceScores(input.tokenRewards, input);
  const g = groupStats(scores, input.groups);
  const perRow = scores.map((s, b) =>
    options.normAdvByStd ? (s - g.mean[b]) / (g.std[b] + GRPO_EPSILON) : s - g.mean[b]
  );
  const advantages = Float32Array.from(broadcastRows(perRow, input));
  return { advantages, returns: advantages };
}

/** `grpo`: no critic, groups of `rollout.n` samples per prompt. */
export const grpoEstimator: AdvantageEstimator = {
  name: "grpo",
  needsCritic: false,
  needsGroups: true,
  fn: grpoAdvantage,
};
