/**
 * KL between the policy and the reference on sampled tokens, the KL penalty in the reward,
 * and the controllers of its coefficient, as verl's `core_algos.kl_penalty_forward` and
 * `ray_trainer.apply_kl_penalty`; the coefficient controllers live in `./kl_control.ts` (re-exported).
 * Estimators after J. Schulman, "Approximating KL divergence" (2020,
 * http://joschu.net/blog/kl-approx.html). Host side, float64 inside: `klPenalty` works on
 * arrays; its graph twin, which the KL loss differentiates, is `klTokenLosses` in
 * `./loss_kl.ts`. The estimator names are in `./kl_types.ts`.
 *
 * @module
 */

import { checkTokenArray } from "./_rows.ts";
import { isKlEstimator, KL_ESTIMATORS, type KlType } from "./kl_types.ts";
import type { ResponseLayout } from "./types.ts";

function klOne(logp: number, ref: number, type: KlType): number {
  switch (type) {
    case "kl":
    case "k1":
      return logp - ref;
    case "abs":
      return Math.abs(logp - ref);
    case "mse":
    case "k2":
      return 0.5 * (logp - ref) ** 2;
    case "low_var_kl":
    case "k3": {
      const d = Math.min(20, Math.max(-20, ref - logp)); // clamp for exp, as verl
      return Math.min(10, Math.max(-10, Math.exp(d) - d - 1));
    }
    default:
      throw new Error(`unknown KL type "${type}"; known: ${KL_ESTIMATORS.join(", ")}`);
  }
}

/**
 * Per-token KL estimate of `logp` against `refLogp`, 0 where the mask is 0.
 * `kl`/`k1`: `logp - ref`; `abs`: `|logp - ref|`; `mse`/`k2`: `0.5*(logp - ref)^2`;
 * `low_var_kl`/`k3`: `exp(d) - d - 1` with `d = ref - logp` clamped to [-20, 20] and the
 * result clamped to [-10, 10].
 *
 * @param logp [n] log-probs of the sampled tokens under the policy
 * @param refLogp [n] the same under the reference
 * @param mask [n] response mask
 * @param type the estimator
 * @returns [n] float32
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { klPenalty } from "./kl.ts";
 * const kl = klPenalty(new Float32Array([-1, -2]), new Float32Array([-1.5, -1]), new Float32Array([1, 0]), "k1");
 * deepStrictEqual(kl, new Float32Array([0.5, 0]));
 * ```
 */
export function klPenalty(
  logp: ArrayLike<number>,
  refLogp: ArrayLike<number>,
  mask: ArrayLike<number>,
  type: KlType,
): Float32Array {
  if (logp.length !== refLogp.length || logp.length !== mask.length) {
    throw new RangeError(
      `length mismatch: logp ${logp.length}, refLogp ${refLogp.length}, mask ${mask.length}`,
    );
  }
  if (!isKlEstimator(type)) {
    throw new Error(`unknown KL type "${type}"; known: ${KL_ESTIMATORS.join(", ")}`);
  }
  const out = new Float32Array(logp.length);
  for (let i = 0; i < logp.length; i++) {
    if (mask[i] !== 0) out[i] = klOne(logp[i], refLogp[i], type);
  }
  return out;
}

/** What {@link applyKlInReward} returns. */
export interface KlInReward {
  /** [rows*width] `score - beta*kl*mask` (verl's `token_level_rewards`). */
  rewards: Float32Array;
  /**
   * The KL verl reports as `actor/reward_kl_penalty` and feeds its controller: each row's mean
   * over its response tokens (0 for a row with none), then the mean over rows.
   */
  klMean: number;
}

/**
 * Puts the KL penalty into the per-token rewards, as verl's `apply_kl_penalty`
 * (`algorithm.use_kl_in_reward`): `r_t = score_t - beta * kl(oldLogp_t, refLogp_t) * mask_t`.
 * Unlike verl, it does not update the controller: call `controller.update(klMean, rows)`
 * after it (verl passes the batch size as `n_steps`).
 *
 * @param tokenScores [rows*width] token scores (e.g. from `placeScores`)
 * @param oldLogp [rows*width] rollout-policy log-probs (verl's `old_log_probs`)
 * @param refLogp [rows*width] reference log-probs
 * @param layout rows, width and the response mask
 * @param beta the coefficient (the controller's `value`)
 * @param type the estimator (verl's `algorithm.kl_penalty`, default `kl`)
 * @returns the penalized rewards and the batch KL
 */
export function applyKlInReward(
  tokenScores: ArrayLike<number>,
  oldLogp: ArrayLike<number>,
  refLogp: ArrayLike<number>,
  layout: ResponseLayout,
  beta: number,
  type: KlType,
): KlInReward {
  const { rows, width, responseMask: mask } = layout;
  checkTokenArray(layout, mask, "responseMask");
  checkTokenArray(layout, tokenScores, "tokenScores");
  const kl = klPenalty(oldLogp, refLogp, mask, type);
  const rewards = new Float32Array(rows * width);
  let sumOfRowMeans = 0;
  for (let b = 0; b < rows; b++) {
    let sum = 0;
    let count = 0;
    for (let k = 0; k < width; k++) {
      const i = b * width + k;
      rewards[i] = tokenScores[i] - beta * kl[i];
      if (mask[i] !== 0) {
        sum += kl[i];
        count++;
      }
    }
    if (count > 0) sumOfRowMeans += sum / count;
  }
  return { rewards, klMean: rows > 0 ? sumOfRowMeans / rows : 0 };
}

export {
  AdaptiveKlController,
  type AdaptiveKlOptions,
  FixedKlController,
  type KlControlConfig,
  type KlController,
  klController,
  type KlControllerState,
} from "./kl_control.ts";
