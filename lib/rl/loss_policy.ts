/**
 * The PPO clipped policy loss with dual-clip, as a graph piece (verl
 * `core_algos.compute_policy_loss_vanilla`, `policy_loss.loss_mode: vanilla`).
 *
 * Per token, with `r = exp(clamp(logp - old_logp, -20, 20))`:
 * `l = max(-A*r, -A*clip(r, 1-clip_low, 1+clip_high))`, and for `A < 0` (dual-clip,
 * arXiv 1912.09729) `l = min(l, -A*clip_ratio_c)`. Gradients come from the primitive ops'
 * rules (Clip passes the gradient inside its bounds, bounds included; Max/Min split ties).
 *
 * @module
 */

import { op, type Value } from "../graph/mod.ts";
import { aggregateLoss, type Aggregation, tokenMean } from "./aggregate.ts";

/** Clip ranges of {@link ppoTokenLosses} (verl `actor.*` keys). */
export interface PolicyClipOptions {
  /** `clip_ratio_low`: the ratio's lower bound is `1 - clipRatioLow`. @default 0.2 */
  clipRatioLow?: number;
  /** `clip_ratio_high`: the ratio's upper bound is `1 + clipRatioHigh`. @default 0.2 */
  clipRatioHigh?: number;
  /** `clip_ratio_c`: dual-clip bound for negative advantages, must be > 1. @default 3.0 */
  clipRatioC?: number;
}

/** The defaults of {@link PolicyClipOptions} (verl `actor/actor.yaml`). */
export const DEFAULT_POLICY_CLIP: Readonly<Required<PolicyClipOptions>> = {
  clipRatioLow: 0.2,
  clipRatioHigh: 0.2,
  clipRatioC: 3.0,
};

/** Per-token terms of the PPO loss, all [B, T] in the logprobs' dtype. */
export interface PpoTokenTerms {
  /** The per-token loss `l` (before masking). */
  losses: Value;
  /** 1 where the clipped term is strictly larger (verl's `pg_clipfrac` indicator). */
  clipped: Value;
  /** 1 where A < 0 and the dual-clip bound is active (`pg_clipfrac_lower` indicator). */
  clippedLower: Value;
  /** `old_logp - logp` after the [-20, 20] clamp (verl's `ppo_kl` terms). */
  approxKl: Value;
}

/**
 * The per-token PPO terms, before masking and aggregation.
 *
 * @param logprobs [B, T] log-probs of the policy being trained
 * @param inputs `oldLogprobs` [B, T] (the behaviour policy's, verl `old_log_prob`) and
 *   `advantages` [B, T]
 * @param options clip ranges
 * @returns the per-token terms
 */
export function ppoTokenLosses(
  logprobs: Value,
  inputs: { oldLogprobs: Value; advantages: Value },
  options: PolicyClipOptions = {},
): PpoTokenTerms {
  const { clipRatioLow, clipRatioHigh, clipRatioC } = { ...DEFAULT_POLICY_CLIP, ...options };
  if (!(clipRatioC > 1)) {
    throw new Error(`policy loss: clip_ratio_c must be > 1 (dual-clip), got ${clipRatioC}`);
  }
  const dtype = logprobs.dtype;
  const adv = inputs.advantages;
  const logRatio = op.clip(op.sub(logprobs, inputs.oldLogprobs), -20, 20); // [B, T]
  const ratio = op.exp(logRatio);
  const negAdv = op.neg(adv);
  const loss1 = op.mul(negAdv, ratio);
  const loss2 = op.mul(negAdv, op.clip(ratio, 1 - clipRatioLow, 1 + clipRatioHigh));
  const clipLoss1 = op.max(loss1, loss2);
  const loss3 = op.mul(negAdv, clipRatioC);
  const negative = op.less(adv, 0);
  const losses = op.where(negative, op.min(loss3, clipLoss1), clipLoss1);
  const clippedLower = op.mul(
    op.cast(op.greater(clipLoss1, loss3), dtype),
    op.cast(negative, dtype),
  );
  return {
    losses,
    clipped: op.cast(op.greater(loss2, loss1), dtype),
    clippedLower,
    approxKl: op.neg(logRatio),
  };
}

/** The batch values {@link policyLoss} reads, [B, T] each in the compute dtype. */
export interface PolicyLossInputs {
  oldLogprobs: Value;
  advantages: Value;
  /** 1 at response tokens (aligned with the targets), 0 elsewhere. */
  responseMask: Value;
  /** The aggregation and its divisor inputs. */
  agg: Aggregation;
}

/** What {@link policyLoss} returns: the scalar loss and its metrics (verl's names). */
export interface PolicyLossOutputs {
  /** `agg(l)`: this micro-batch's share of the mini-batch's `pg_loss`. */
  loss: Value;
  /** Scalars: `pg_clipfrac`, `pg_clipfrac_lower`, `ppo_kl` (token-means over `token_scale`). */
  metrics: { pg_clipfrac: Value; pg_clipfrac_lower: Value; ppo_kl: Value };
}

/**
 * The aggregated PPO clipped policy loss and its metrics. Metrics are mini-batch
 * token-means (sums over `token_scale`), so they add up across micro-batches; verl instead
 * averages per-micro-batch means.
 *
 * @param logprobs [B, T] log-probs of the policy being trained
 * @param inputs old log-probs, advantages, response mask, aggregation
 * @param options clip ranges
 * @returns `{loss, metrics}`
 */
export function policyLoss(
  logprobs: Value,
  inputs: PolicyLossInputs,
  options: PolicyClipOptions = {},
): PolicyLossOutputs {
  const t = ppoTokenLosses(logprobs, inputs, options);
  const mask = inputs.responseMask;
  return {
    loss: aggregateLoss(t.losses, mask, inputs.agg),
    metrics: {
      pg_clipfrac: tokenMean(t.clipped, mask, inputs.agg),
      pg_clipfrac_lower: tokenMean(t.clippedLower, mask, inputs.agg),
      ppo_kl: tokenMean(t.approxKl, mask, inputs.agg),
    },
  };
}
