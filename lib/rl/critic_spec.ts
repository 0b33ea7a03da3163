/**
 * The PPO critic's train step (verl `workers/critic/dp_critic.py` `update_critic`) as a
 * {@link TrainStepSpec} for `buildTrainArtifacts`: `loss = 0.5 * agg(max((v-R)^2,
 * (clip(v, v_old-c, v_old+c)-R)^2))` over the response tokens.
 *
 * Batch inputs (full-sequence layout; the value of response token k of a row whose prompt
 * has P tokens is read at position P+k-1, the state before the token, as verl's
 * `values[:, -response_length-1:-1]`):
 *
 * | name | dtype | shape | |
 * |---|---|---|---|
 * | `input_ids`, `attention_mask`, `position_ids` | int64 | [batch, seq] | the padded rows |
 * | `old_values` | compute dtype | [batch, seq] | the critic's values at rollout time (verl `values`) |
 * | `returns` | compute dtype | [batch, seq] | value targets |
 * | `response_mask` | compute dtype | [batch, seq] | 1 at response tokens |
 * | `loss_scale`, `token_scale` | compute dtype | [] | the mini-batch's `aggregationScales` |
 *
 * Metrics (verl `critic/*` without the prefix): `vf_loss`, `vf_clipfrac`, `vpred_mean`
 * (mini-batch token-means; all sum over micro-batches fed the same scales).
 *
 * @module
 */

import type { AdamWConfig } from "../graph/adamw.ts";
import type { Graph, TrainStepSpec, Value } from "../graph/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import { criticValues, declareSequenceInputs, type ModelDType } from "../model/heads.ts";
import { weight, type Weights } from "../model/qwen3.ts";
import { type FreezeOption, trainParams } from "../model/params.ts";
import { checkLossAggMode, declareAggregation, type LossAggMode } from "./aggregate.ts";
import { valueLoss } from "./loss_value.ts";

/** Options of {@link criticTrainSpec} (verl `critic.*` in camelCase). */
export interface CriticTrainOptions {
  /** `cliprange_value`. @default 0.5 */
  cliprangeValue?: number;
  /** `loss_agg_mode`. @default "token-mean" */
  lossAggMode?: LossAggMode;
  /** `grad_clip`: gradient global-norm clipping (0 = none). @default 1.0 */
  maxGradNorm?: number;
  /** AdamW hyper-parameters (lr fed per step). @default weight decay 0.01, betas (0.9, 0.999) */
  optimizer?: Partial<AdamWConfig>;
  /** Compute dtype. @default "float32" */
  dtype?: ModelDType;
  /** Parameters the optimizer leaves alone (names, or a predicate). */
  freeze?: FreezeOption;
}

/**
 * Declares the critic's batch inputs on `g` and builds its loss and metrics.
 *
 * @param g the graph (a train-step graph)
 * @param config a one-label seq-cls config (`valueModelConfig`)
 * @param w the parameter values (with `score.weight` [1, H])
 * @param options loss options
 * @returns `{loss, metrics}` (scalars)
 */
export function criticLoss(
  g: Graph,
  config: ModelConfig,
  w: Weights,
  options: CriticTrainOptions = {},
): { loss: Value; metrics: Record<string, Value> } {
  const dtype = weight(w, "model.embed_tokens.weight").dtype;
  const inp = declareSequenceInputs(g);
  const batchInput = (name: string) => g.input(name, dtype, ["batch", "seq"]);
  const oldValues = batchInput("old_values");
  const returns = batchInput("returns");
  const responseMask = batchInput("response_mask");
  const agg = declareAggregation(g, { mode: options.lossAggMode ?? "token-mean", dtype });
  const vpreds = criticValues(config, w, inp); // [B, T]
  const v = valueLoss(vpreds, { oldValues, returns, responseMask, agg }, options);
  return { loss: v.loss, metrics: { vf_loss: v.loss, ...v.metrics } };
}

/**
 * The train-step spec of the PPO critic: every parameter of the value model (trainable
 * unless frozen) with {@link criticLoss}.
 *
 * @param config a one-label seq-cls config (`valueModelConfig(policyConfig)`)
 * @param options loss, optimizer, clipping, dtype, frozen parameters
 * @returns a spec for `buildTrainArtifacts`
 */
export function criticTrainSpec(
  config: ModelConfig,
  options: CriticTrainOptions = {},
): TrainStepSpec {
  if (config.task !== "seq-cls" || config.numLabels !== 1) {
    throw new Error(
      `criticTrainSpec: needs a one-label seq-cls config (valueModelConfig), got ${config.architecture} with ${config.numLabels} labels`,
    );
  }
  checkLossAggMode(options.lossAggMode ?? "token-mean");
  return {
    params: trainParams(config, { freeze: options.freeze, who: "criticTrainSpec" }),
    build: (g, params) => criticLoss(g, config, params, options),
    dtype: options.dtype ?? "float32",
    optimizer: options.optimizer,
    maxGradNorm: options.maxGradNorm ?? 1.0,
  };
}
