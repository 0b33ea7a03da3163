/**
 * The model heads on top of {@link decoder}, as graph pieces that both inference graphs
 * (`graphs.ts`) and train-step loss builders (`buildTrainArtifacts({build})`) compose:
 * per-token log-probabilities and entropy (policy), per-token values (critic), and the
 * sequence-classification score at the last real token (reward model).
 *
 * @module
 */

import { tokenEntropy, tokenLogprob } from "../../kernels/mod.ts";
import { type DType, type Graph, op, type Value } from "../graph/mod.ts";
import type { ModelConfig } from "./config.ts";
import { linear } from "./linear.ts";
import { decoder, lastRealToken, lmLogits, shapeWith, weight, type Weights } from "./qwen3.ts";

/** The batch inputs of a full-sequence (no cache) model graph, all int64 [B, T]. */
export interface SequenceInputs {
  inputIds: Value;
  attentionMask: Value;
  positionIds: Value;
}

/**
 * Declares `input_ids`, `attention_mask`, `position_ids` (int64 [batch, seq]) on `g`.
 *
 * @param g the graph
 * @param shape dims of the batch @default ["batch", "seq"]
 * @returns the three inputs
 */
export function declareSequenceInputs(
  g: Graph,
  shape: [number | string, number | string] = ["batch", "seq"],
): SequenceInputs {
  return {
    inputIds: g.input("input_ids", "int64", [...shape]),
    attentionMask: g.input("attention_mask", "int64", [...shape]),
    positionIds: g.input("position_ids", "int64", [...shape]),
  };
}

/** Causal-LM logits [B, T, V] over a padded batch. */
export function causalLmLogits(config: ModelConfig, w: Weights, inp: SequenceInputs): Value {
  const { hidden, batchSeq } = decoder(config, w, inp);
  return op.reshape(lmLogits(config, w, hidden), shapeWith(batchSeq, [config.vocabSize])); // [B, T, V]
}

/** Options of {@link policyLogprobs}. */
export interface PolicyLogprobOptions {
  /** Also compute the entropy (a second pass over the logits). @default true */
  entropy?: boolean;
  /**
   * Sampling temperature: the logits are divided by it before the log-softmax (and the
   * entropy), as verl's actor does, so that PPO ratios against the sampler's log-probs start
   * at 1. 1 leaves the graph unchanged. @default 1
   */
  temperature?: number;
}

/**
 * Per-token log p(targets) of the policy and (unless disabled) its entropy, [B, T] each,
 * without emitting the [B, T, V] logits (what PPO/GRPO losses need).
 *
 * @param config causal-LM config
 * @param w the weights
 * @param inp ids, mask, positions
 * @param targets int64 [B, T]: the token whose probability is read at each position
 *   (usually the next input id)
 * @param options `entropy` and `temperature`, see {@link PolicyLogprobOptions}
 */
export function policyLogprobs(
  config: ModelConfig,
  w: Weights,
  inp: SequenceInputs,
  targets: Value,
  options: PolicyLogprobOptions = {},
): { logprobs: Value; entropy: Value | null } {
  const { hidden, batchSeq } = decoder(config, w, inp);
  const T = options.temperature ?? 1;
  if (!(T > 0)) throw new Error(`policyLogprobs: temperature must be > 0, got ${T}`);
  const raw = lmLogits(config, w, hidden); // [B*T, V]
  const logits = T === 1 ? raw : op.div(raw, T); // [B*T, V], as verl's actor: logits.div_(temperature)
  const flatTargets = op.reshape(targets, [-1]); // [B*T]
  return {
    logprobs: op.reshape(tokenLogprob(logits, flatTargets), batchSeq), // [B, T]
    entropy: options.entropy === false ? null : op.reshape(tokenEntropy(logits), batchSeq), // [B, T]
  };
}

/**
 * Per-token values of a critic: the decoder followed by `score.weight [1, H]`, [B, T].
 *
 * @param config a seq-cls config with one label (see `valueModelConfig`)
 * @param w the weights (with `score.weight`)
 * @param inp ids, mask, positions
 */
export function criticValues(config: ModelConfig, w: Weights, inp: SequenceInputs): Value {
  requireScoreHead(config, 1, "a value model");
  const { hidden, batchSeq } = decoder(config, w, inp);
  return op.reshape(linear(hidden, weight(w, "score.weight")), batchSeq); // [B*T, 1] -> [B, T]
}

/**
 * Sequence-classification scores [B, numLabels], read at each row's last real token
 * (`Qwen3ForSequenceClassification` / `LlamaForSequenceClassification`).
 *
 * @param config a seq-cls config
 * @param w the weights (with `score.weight`)
 * @param inp ids, mask (left or right padding), positions
 */
export function sequenceScores(config: ModelConfig, w: Weights, inp: SequenceInputs): Value {
  requireScoreHead(config, undefined, "a sequence-classification model");
  const { hidden, batchSeq } = decoder(config, w, inp);
  return linear(lastRealToken(hidden, inp.attentionMask, batchSeq), weight(w, "score.weight")); // [B, L]
}

function requireScoreHead(config: ModelConfig, labels: number | undefined, what: string): void {
  if (config.task !== "seq-cls") {
    throw new Error(`${what} needs a seq-cls config with score.weight, got ${config.architecture}`);
  }
  if (labels !== undefined && config.numLabels !== labels) {
    throw new Error(`${what} needs num_labels ${labels}, got ${config.numLabels}`);
  }
}

/**
 * Mean of `x` over the positions where `mask` is set: `sum(mask * x) / max(sum(mask), 1)`.
 *
 * @param x [B, T]
 * @param mask [B, T] weights in x's dtype
 * @returns scalar
 */
export function maskedMean(x: Value, mask: Value): Value {
  const total = op.reduceSum(op.mul(x, mask), [0, 1]);
  return op.div(total, op.max(op.reduceSum(mask, [0, 1]), 1));
}

/**
 * Mean next-token cross-entropy: `-maskedMean(logprobs, lossMask)`.
 *
 * @param logprobs [B, T] log p(targets)
 * @param lossMask [B, T] weights (1 = predicted position, 0 = padding / last position)
 * @returns scalar loss
 */
export function maskedMeanNll(logprobs: Value, lossMask: Value): Value {
  return op.neg(maskedMean(logprobs, lossMask));
}

/** Compute dtypes the model graphs support. */
export type ModelDType = Extract<DType, "float32" | "float64">;
