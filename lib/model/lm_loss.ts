/**
 * Next-token cross-entropy for the train-step artifacts ({@link buildTrainArtifacts}):
 * the loss builder and a ready {@link TrainStepSpec} with a trainable subset of the HF
 * parameters (e.g. frozen embeddings).
 *
 * Batch inputs: `input_ids`, `attention_mask`, `position_ids`, `targets` (int64 [batch, seq];
 * `targets[b, t]` is the token to predict at position t, usually `input_ids[b, t+1]`) and
 * `loss_mask` [batch, seq] in the compute dtype (1 where a target counts).
 *
 * @module
 */

import type { Graph, LossOutputs, TrainStepSpec } from "../graph/mod.ts";
import type { ModelConfig } from "./config.ts";
import {
  declareSequenceInputs,
  maskedMean,
  maskedMeanNll,
  type ModelDType,
  policyLogprobs,
} from "./heads.ts";
import { type FreezeOption, trainParams } from "./params.ts";
import { weight, type Weights } from "./qwen3.ts";

/**
 * Declares the LM batch inputs on `g` and returns the mean next-token cross-entropy over the
 * positions where `loss_mask` is set.
 *
 * @param g the graph being built (a train-step graph)
 * @param config a causal-LM config
 * @param w the parameter values (e.g. the train step's `params` map)
 * @param options `entropy: true` adds the masked mean entropy as a metric (one more pass
 *   over the logits) @default false
 * @returns `{loss, metrics}`
 */
export function causalLmLoss(
  g: Graph,
  config: ModelConfig,
  w: Weights,
  options: { entropy?: boolean } = {},
): LossOutputs {
  const dtype = weight(w, "model.embed_tokens.weight").dtype;
  const inp = declareSequenceInputs(g);
  const targets = g.input("targets", "int64", ["batch", "seq"]);
  const lossMask = g.input("loss_mask", dtype, ["batch", "seq"]);
  const { logprobs, entropy } = policyLogprobs(config, w, inp, targets, {
    entropy: options.entropy ?? false,
  });
  const loss = maskedMeanNll(logprobs, lossMask);
  return { loss, metrics: entropy ? { entropy: maskedMean(entropy, lossMask) } : {} };
}

/** Options of {@link lmTrainSpec}. */
export interface LmTrainOptions {
  /** Compute dtype. @default "float32" */
  dtype?: ModelDType;
  /**
   * Parameters the optimizer leaves alone: names, or a predicate on the name. Freezing
   * `model.embed_tokens.weight` of a tied model freezes the output head too (one tensor).
   */
  freeze?: FreezeOption;
  /** AdamW hyper-parameters. */
  optimizer?: TrainStepSpec["optimizer"];
  /** Gradient-norm clipping (0 = none). @default 0 */
  maxGradNorm?: number;
}

/**
 * The train-step spec of next-token training of a causal LM: every HF parameter (in
 * `named_parameters()` order), trainable unless frozen, with {@link causalLmLoss}.
 *
 * @param config a causal-LM config
 * @param options dtype, frozen parameters, optimizer, clipping
 * @returns a spec for `buildTrainArtifacts`
 */
export function lmTrainSpec(config: ModelConfig, options: LmTrainOptions = {}): TrainStepSpec {
  return {
    params: trainParams(config, { freeze: options.freeze, who: "lmTrainSpec" }),
    build: (g, params) => causalLmLoss(g, config, params),
    dtype: options.dtype ?? "float32",
    optimizer: options.optimizer,
    maxGradNorm: options.maxGradNorm,
  };
}
