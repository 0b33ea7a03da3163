/**
 * The PPO clipped value loss as a graph piece (verl `core_algos.compute_value_loss`):
 * `vclip = clip(v, v_old - c, v_old + c)`, per token `max((v - R)^2, (vclip - R)^2)`, and
 * the loss `0.5 * agg(...)`. Gradients come from the primitive ops' rules (Max/Min split ties).
 *
 * @module
 */

import { op, type Value } from "../graph/mod.ts";
import { aggregateLoss, type Aggregation, tokenMean } from "./aggregate.ts";

/** Options of {@link valueTokenLosses} (verl `critic.cliprange_value`). */
export interface ValueClipOptions {
  /** How far a new value may move from the old one before clipping. @default 0.5 */
  cliprangeValue?: number;
}

/** Per-token terms of the value loss, [B, T] each. */
export interface ValueTokenTerms {
  /** `max((v - R)^2, (vclip - R)^2)` (before masking, without the 0.5). */
  losses: Value;
  /** 1 where the clipped term is strictly larger (verl's `vf_clipfrac` indicator). */
  clipped: Value;
}

/**
 * The per-token clipped value loss.
 *
 * @param vpreds [B, T] values of the critic being trained
 * @param inputs `oldValues` [B, T] (the critic's values at rollout time, verl `values`) and
 *   `returns` [B, T]
 * @param options the clip range
 * @returns the per-token terms
 */
export function valueTokenLosses(
  vpreds: Value,
  inputs: { oldValues: Value; returns: Value },
  options: ValueClipOptions = {},
): ValueTokenTerms {
  const c = options.cliprangeValue ?? 0.5;
  if (!(c >= 0)) throw new Error(`value loss: cliprange_value must be >= 0, got ${c}`);
  const { oldValues, returns } = inputs;
  // verl_F.clip_by_value: max(min(x, hi), lo) with tensor bounds.
  const vclip = op.max(op.min(vpreds, op.add(oldValues, c)), op.sub(oldValues, c));
  const d1 = op.sub(vpreds, returns), d2 = op.sub(vclip, returns);
  const l1 = op.mul(d1, d1), l2 = op.mul(d2, d2);
  return { losses: op.max(l1, l2), clipped: op.cast(op.greater(l2, l1), vpreds.dtype) };
}

/** The batch values {@link valueLoss} reads, [B, T] each in the compute dtype. */
export interface ValueLossInputs {
  oldValues: Value;
  returns: Value;
  /** 1 at response tokens (the positions whose values are trained), 0 elsewhere. */
  responseMask: Value;
  /** The aggregation and its divisor inputs. */
  agg: Aggregation;
}

/**
 * The aggregated clipped value loss `0.5 * agg(max(...))` and its metrics `vf_clipfrac`,
 * `vpred_mean` (mini-batch token-means over `token_scale`).
 *
 * @param vpreds [B, T] values of the critic being trained
 * @param inputs old values, returns, response mask, aggregation
 * @param options the clip range
 * @returns `{loss, metrics}`
 */
export function valueLoss(
  vpreds: Value,
  inputs: ValueLossInputs,
  options: ValueClipOptions = {},
): { loss: Value; metrics: { vf_clipfrac: Value; vpred_mean: Value } } {
  const t = valueTokenLosses(vpreds, inputs, options);
  const mask = inputs.responseMask;
  return {
    loss: op.mul(aggregateLoss(t.losses, mask, inputs.agg), 0.5),
    metrics: {
      vf_clipfrac: tokenMean(t.clipped, mask, inputs.agg),
      vpred_mean: tokenMean(vpreds, mask, inputs.agg),
    },
  };
}
