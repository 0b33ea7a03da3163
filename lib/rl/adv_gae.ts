/**
 * GAE: Generalized Advantage Estimation (Schulman et al., arXiv 1506.02438) with a critic,
 * as verl's `compute_gae_advantage_return` (`adv_estimator: gae`, the GRLO recipe).
 *
 * @module
 */

import { checkInput } from "./_rows.ts";
import type {
  AdvantageEstimator,
  AdvantageInput,
  AdvantageOptions,
  AdvantageOutput,
} from "./types.ts";
import { maskedWhiten } from "./whiten.ts";

/**
 * Computes GAE advantages and value targets. Per row, backward over the response tokens:
 * `delta_t = r_t + gamma*V_{t+1} - V_t`, `A_t = delta_t + gamma*lam*A_{t+1}`, where a token
 * with mask 0 passes `V_{t+1}` and `A_{t+1}` through unchanged (verl skips observation
 * tokens so); past the row's end both are 0. `returns = A + V`, taken *before* the advantages
 * are whitened over all response tokens of the batch ({@link maskedWhiten}, unbiased var,
 * eps 1e-8). With `gamma = lam = 1` this gives `A_t = sum_{s>=t} r_s - V_t` before whitening.
 *
 * @param input rows x width layout: `tokenRewards`, `values` (required), `responseMask` [rows*width]
 * @param options `gamma`, `lam` (`normAdvByStd` is not read)
 * @returns `advantages` (whitened) and `returns`, [rows*width] float32, 0 at padding
 * @throws TypeError when `values` is null; RangeError on shape mismatch or < 2 response tokens
 */
export function gaeAdvantage(input: AdvantageInput, options: AdvantageOptions): AdvantageOutput {
  checkInput(input, true);
  const { rows, width, responseMask: mask, tokenRewards: r } = input;
  const v = input.values!;
  const { gamma, lam } = options;
  const adv = new Float64Array(rows * width);
  const returns = new Float32Array(rows * width);
  for (let b = 0; b < rows; b++) {
    let nextValue = 0;
    let lastGae = 0;
    for (let k = width - 1; k >= 0; k--) {
      const i = b * width + k;
      if (mask[i] === 0) continue; // state passes through a masked token
      const delta = r[i] + gamma * nextValue - v[i];
      lastGae = delta + gamma * lam * lastGae;
      nextValue = v[i];
      adv[i] = lastGae;
      returns[i] = lastGae + v[i];
    }
  }
  return { advantages: Float32Array.from(maskedWhiten(adv, mask)), returns };
}

/** `gae`: needs a critic, no groups. */
export const gaeEstimator: AdvantageEstimator = {
  name: "gae",
  needsCritic: true,
  needsGroups: false,
  fn: gaeAdvantage,
};
