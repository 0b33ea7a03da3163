/**
 * The PPO actor's train step (verl `workers/actor/dp_actor.py` `update_policy`) as a
 * {@link TrainStepSpec} for `buildTrainArtifacts`:
 * `loss = pg_loss - entropy_coeff * agg(entropy) + kl_loss_coef * agg(kl(logp, ref))`.
 *
 * Batch inputs (`[batch, seq]` is the full-sequence layout; position t predicts
 * `targets[t]`, so response token k of a row whose prompt has P tokens is position
 * P+k-1, see `lib/rl/types.ts`):
 *
 * | name | dtype | shape | |
 * |---|---|---|---|
 * | `input_ids`, `attention_mask`, `position_ids` | int64 | [batch, seq] | the padded rows |
 * | `targets` | int64 | [batch, seq] | the next input id (anything where the mask is 0) |
 * | `old_logprobs` | compute dtype | [batch, seq] | behaviour log-probs (verl `old_log_probs`) |
 * | `advantages` | compute dtype | [batch, seq] | |
 * | `response_mask` | compute dtype | [batch, seq] | 1 at response tokens |
 * | `ref_logprobs` | compute dtype | [batch, seq] | only with `useKlLoss` (verl `ref_log_prob`) |
 * | `loss_scale`, `token_scale` | compute dtype | [] | the mini-batch's `aggregationScales` |
 *
 * Metrics (verl `actor/*` without the prefix): `pg_loss`, `pg_clipfrac`,
 * `pg_clipfrac_lower`, `ppo_kl`, `entropy` (mini-batch token-mean, unless
 * `calculateEntropy` is false and `entropyCoeff` is 0), `kl_loss` (with `useKlLoss`). All
 * are sums over micro-batches: feed every micro-batch of a mini-batch the same scales and
 * accumulate with weights 1.
 *
 * @module
 */

import type { AdamWConfig } from "../graph/adamw.ts";
import { type Graph, op, type TrainStepSpec, type Value } from "../graph/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import { declareSequenceInputs, type ModelDType, policyLogprobs } from "../model/heads.ts";
import { weight, type Weights } from "../model/qwen3.ts";
import { type FreezeOption, trainParams } from "../model/params.ts";
import {
  aggregateLoss,
  checkLossAggMode,
  declareAggregation,
  type LossAggMode,
  tokenMean,
} from "./aggregate.ts";
import type { KlLossType } from "./kl_types.ts";
import { klLoss } from "./loss_kl.ts";
import { type PolicyClipOptions, policyLoss } from "./loss_policy.ts";

/** Options of {@link actorTrainSpec} (verl `actor_rollout_ref.actor.*` in camelCase). */
export interface ActorTrainOptions extends PolicyClipOptions {
  /** Rollout temperature: logits are divided by it, as in verl's actor. @default 1 */
  temperature?: number;
  /** `loss_agg_mode`. @default "token-mean" */
  lossAggMode?: LossAggMode;
  /** `entropy_coeff`: weight of the entropy bonus. @default 0 */
  entropyCoeff?: number;
  /**
   * `calculate_entropy`: compute the entropy metric even when `entropyCoeff` is 0 (verl
   * logs `actor/entropy`). Costs one more pass over the [tokens, vocab] logits (log-softmax,
   * exp, sum) in the forward, none in the backward. @default true
   */
  calculateEntropy?: boolean;
  /** `use_kl_loss`: add a KL-to-reference loss (needs `ref_logprobs`). @default false */
  useKlLoss?: boolean;
  /** `kl_loss_coef`. @default 0.001 */
  klLossCoef?: number;
  /** `kl_loss_type`. @default "low_var_kl" */
  klLossType?: KlLossType;
  /** `grad_clip`: gradient global-norm clipping (0 = none). @default 1.0 */
  maxGradNorm?: number;
  /**
   * AdamW hyper-parameters (the learning rate is fed per step). @default verl's: weight
   * decay 0.01, betas (0.9, 0.999), eps 1e-8
   */
  optimizer?: Partial<AdamWConfig>;
  /** Compute dtype. @default "float32" */
  dtype?: ModelDType;
  /** Parameters the optimizer leaves alone (names, or a predicate). */
  freeze?: FreezeOption;
}

/**
 * Declares the actor's batch inputs on `g` and builds its loss and metrics.
 *
 * @param g the graph (a train-step graph)
 * @param config a causal-LM config
 * @param w the parameter values
 * @param options loss options (see {@link ActorTrainOptions})
 * @returns `{loss, metrics}` (scalars)
 */
export function actorLoss(
  g: Graph,
  config: ModelConfig,
  w: Weights,
  options: ActorTrainOptions = {},
): { loss: Value; metrics: Record<string, Value> } {
  const dtype = weight(w, "model.embed_tokens.weight").dtype;
  const inp = declareSequenceInputs(g);
  const targets = g.input("targets", "int64", ["batch", "seq"]);
  const batchInput = (name: string) => g.input(name, dtype, ["batch", "seq"]);
  const oldLogprobs = batchInput("old_logprobs");
  const advantages = batchInput("advantages");
  const responseMask = batchInput("response_mask");
  const refLogprobs = options.useKlLoss ? batchInput("ref_logprobs") : null;
  const agg = declareAggregation(g, { mode: options.lossAggMode ?? "token-mean", dtype });

  const entropyCoeff = options.entropyCoeff ?? 0;
  const withEntropy = (options.calculateEntropy ?? true) || entropyCoeff !== 0;
  const { logprobs, entropy } = policyLogprobs(config, w, inp, targets, {
    temperature: options.temperature ?? 1,
    entropy: withEntropy,
  });
  const pg = policyLoss(logprobs, { oldLogprobs, advantages, responseMask, agg }, options);
  const metrics: Record<string, Value> = { pg_loss: pg.loss, ...pg.metrics };
  let loss = pg.loss;
  if (entropy) {
    metrics.entropy = tokenMean(entropy, responseMask, agg);
    if (entropyCoeff !== 0) {
      loss = op.sub(loss, op.mul(aggregateLoss(entropy, responseMask, agg), entropyCoeff));
    }
  }
  if (refLogprobs) {
    const kl = klLoss(logprobs, { refLogprobs, responseMask, agg }, { type: options.klLossType });
    metrics.kl_loss = kl;
    loss = op.add(loss, op.mul(kl, options.klLossCoef ?? 0.001));
  }
  return { loss, metrics };
}

/**
 * The train-step spec of the PPO actor: every HF parameter of the causal LM (trainable
 * unless frozen) with {@link actorLoss}.
 *
 * @param config a causal-LM config
 * @param options loss, optimizer, clipping, dtype, frozen parameters
 * @returns a spec for `buildTrainArtifacts`
 */
export function actorTrainSpec(
  config: ModelConfig,
  options: ActorTrainOptions = {},
): TrainStepSpec {
  if (config.task !== "causal-lm") {
    throw new Error(`actorTrainSpec: needs a causal-lm config, got ${config.architecture}`);
  }
  checkLossAggMode(options.lossAggMode ?? "token-mean");
  return {
    params: trainParams(config, { freeze: options.freeze, who: "actorTrainSpec" }),
    build: (g, params) => actorLoss(g, config, params, options),
    dtype: options.dtype ?? "float32",
    optimizer: options.optimizer,
    maxGradNorm: options.maxGradNorm ?? 1.0,
  };
}
