/**
 * KL estimators between the policy and a reference, as graph pieces (verl
 * `core_algos.kl_penalty` / `kl_penalty_forward`, http://joschu.net/blog/kl-approx.html),
 * and the aggregated KL loss of verl's `actor.use_kl_loss`. The host-array twin (the KL in
 * the reward) is `klPenalty` in `./kl.ts`; the estimator names are in `./kl_types.ts`.
 *
 * With `d = logp - ref_logp`: `kl`/`k1` = d; `abs` = |d|; `mse`/`k2` = d^2 / 2;
 * `low_var_kl`/`k3` = `exp(-d') + d' - 1` with `-d'` = clamp(ref - logp, -20, 20), the
 * result clamped to [-10, 10]. A trailing `+` (e.g. `k3+`) keeps the forward value and
 * takes the gradient of k2 (straight-through: `k2 - stop(k2) + stop(value)`), which is the
 * unbiased gradient of the KL.
 *
 * @module
 */

import { op, type OpDef, type Value } from "../graph/mod.ts";
import { aggregateLoss, type Aggregation } from "./aggregate.ts";
import {
  isKlEstimator,
  KL_ESTIMATORS,
  type KlLossType,
  type KlType,
  splitKlType,
} from "./kl_types.ts";

/**
 * StopGradient: an ONNX Identity whose gradient rule passes nothing (PyTorch `detach`).
 * Private to this file: only the straight-through estimators need it.
 */
const STOP_GRADIENT: OpDef = {
  opType: "Identity",
  domain: "",
  infer: ([x]) => [{ dtype: x!.dtype, shape: [...x!.shape] }],
  vjp: () => [null],
};

function stopGradient(x: Value): Value {
  return x.graph.addNode(STOP_GRADIENT, [x])[0];
}

function forwardKl(logprobs: Value, ref: Value, base: KlType): Value {
  const d = op.sub(logprobs, ref);
  switch (base) {
    case "kl":
    case "k1":
      return d;
    case "abs":
      return op.abs(d);
    case "mse":
    case "k2":
      return op.mul(op.mul(d, d), 0.5);
    default: { // low_var_kl, k3
      const kl = op.clip(op.sub(ref, logprobs), -20, 20);
      return op.clip(op.sub(op.sub(op.exp(kl), kl), 1), -10, 10);
    }
  }
}

/**
 * The per-token KL estimate of `type` as graph nodes: the per-token losses {@link klLoss}
 * aggregates (the host-array twin is `klPenalty` in `./kl.ts`).
 *
 * @param logprobs [B, T] log-probs of the policy being trained
 * @param refLogprobs [B, T] the reference policy's log-probs (constant)
 * @param type the estimator @default "low_var_kl"
 * @returns [B, T]
 */
export function klTokenLosses(
  logprobs: Value,
  refLogprobs: Value,
  type: KlLossType = "low_var_kl",
): Value {
  const { base, straight } = splitKlType(type);
  if (!isKlEstimator(base)) {
    throw new Error(
      `unknown kl type "${type}"; supported: ${
        KL_ESTIMATORS.join(", ")
      } (each also with a trailing +)`,
    );
  }
  const value = forwardKl(logprobs, refLogprobs, base);
  if (!straight || base === "mse" || base === "k2") return value;
  const k2 = forwardKl(logprobs, refLogprobs, "k2");
  return op.add(op.sub(k2, stopGradient(k2)), stopGradient(value));
}

/** Options of {@link klLoss}. */
export interface KlLossOptions {
  /** The estimator (verl `actor.kl_loss_type`). @default "low_var_kl" */
  type?: KlLossType;
}

/**
 * The aggregated KL loss `agg(klTokenLosses(logp, ref))` (verl `dp_actor`: added to the policy
 * loss times `kl_loss_coef`).
 *
 * @param logprobs [B, T] log-probs of the policy being trained
 * @param inputs `refLogprobs` [B, T], `responseMask` [B, T], `agg`
 * @param options the estimator
 * @returns scalar
 */
export function klLoss(
  logprobs: Value,
  inputs: { refLogprobs: Value; responseMask: Value; agg: Aggregation },
  options: KlLossOptions = {},
): Value {
  const kl = klTokenLosses(logprobs, inputs.refLogprobs, options.type ?? "low_var_kl");
  return aggregateLoss(kl, inputs.responseMask, inputs.agg);
}
