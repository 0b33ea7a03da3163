/**
 * REINFORCE++ and REINFORCE++-baseline (Hu, arXiv 2501.03262), as verl's
 * `compute_reinforce_plus_plus_outcome_advantage` (`adv_estimator: reinforce_plus_plus`) and
 * `compute_reinforce_plus_plus_baseline_outcome_advantage` (`reinforce_plus_plus_baseline`).
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
import { maskedWhiten } from "./whiten.ts";

/**
 * Computes REINFORCE++ advantages: per row the discounted return-to-go
 * `G_t = r_t + gamma*G_{t+1}`, then whitened over all response tokens of the batch (unbiased
 * var, eps 1e-8). At a token with mask 0, verl still writes `G_t = r_t + gamma*G_{t+1}` but
 * then resets the running return to 0, so the tokens before it see no reward from that token
 * on (its "reset after EOS"; with right padding this changes nothing, in multi-turn masks it
 * cuts the return at every observation token). This keeps that reset; `G` at the mask-0
 * token itself is reported as 0.
 *
 * @param input rows x width layout: `tokenRewards`, `responseMask` [rows*width]
 * @param options `gamma` (`lam`, `normAdvByStd` are not read)
 * @returns `advantages` (whitened) and `returns` = the unwhitened `G`, [rows*width] float32, 0 at padding
 * @throws RangeError on shape mismatch or < 2 response tokens
 */
export function reinforcePlusPlusAdvantage(
  input: AdvantageInput,
  options: AdvantageOptions,
): AdvantageOutput {
  checkInput(input);
  const { rows, width, responseMask: mask, tokenRewards: r } = input;
  const g = new Float64Array(rows * width);
  for (let b = 0; b < rows; b++) {
    let running = 0;
    for (let k = width - 1; k >= 0; k--) {
      const i = b * width + k;
      running = r[i] + options.gamma * running;
      if (mask[i] === 0) running = 0;
      else g[i] = running;
    }
  }
  return {
    advantages: Float32Array.from(maskedWhiten(g, mask)),
    returns: Float32Array.from(g),
  };
}

/**
 * Computes REINFORCE++-baseline advantages: row score `s` = the sum of the row's token
 * rewards, minus its group's mean (0 for a group of size 1, as verl), broadcast over the
 * row's response tokens, then whitened over all response tokens of the batch (unbiased var,
 * eps 1e-8). `returns` = `advantages`, as verl.
 *
 * @param input rows x width layout: `tokenRewards`, `responseMask` [rows*width], `groups` [rows]
 * @param _options not read
 * @returns `advantages` = `returns`, [rows*width] float32, 0 at padding
 * @throws RangeError on shape mismatch or < 2 response tokens
 */
export function reinforcePlusPlusBaselineAdvantage(
  input: AdvantageInput,
  _options: AdvantageOptions,
): AdvantageOutput {
  checkInput(input);
  const scores = sequenceScores(input.tokenRewards, input);
  const grp = groupStats(scores, input.groups);
  const centred = broadcastRows(scores.map((s, b) => s - grp.mean[b]), input);
  const advantages = Float32Array.from(maskedWhiten(centred, input.responseMask));
  return { advantages, returns: advantages };
}

/** `reinforce_plus_plus`: no critic, no groups. */
export const reinforcePlusPlusEstimator: AdvantageEstimator = {
  name: "reinforce_plus_plus",
  needsCritic: false,
  needsGroups: false,
  fn: reinforcePlusPlusAdvantage,
};

/** `reinforce_plus_plus_baseline`: no critic, groups of `rollout.n` samples per prompt. */
export const reinforcePlusPlusBaselineEstimator: AdvantageEstimator = {
  name: "reinforce_plus_plus_baseline",
  needsCritic: false,
  needsGroups: true,
  fn: reinforcePlusPlusBaselineAdvantage,
};
