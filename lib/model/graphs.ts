/**
 * Whole inference graphs of a Qwen3 / Llama model, ready for {@link encodeModel}:
 *
 * - {@link buildCausalLmGraph}: padded batch -> `logits` [B, T, V], or `logprobs` and
 *   `entropy` [B, T] of given `targets` (no logits output);
 * - {@link buildDecodeGraph}: prefill and decode with a KV cache, inputs
 *   `past_key_values.{i}.key|value` [B, Hkv, P, D] (P may be 0), outputs `logits` (all
 *   positions, or the last one only) and `present.{i}.key|value` [B, Hkv, P+T, D], named as
 *   onnxruntime-genai and transformers.js name them;
 * - {@link buildValueGraph}: per-token `values` [B, T] of a critic;
 * - {@link buildRewardGraph}: `scores` [B, numLabels] of a sequence-classification model.
 *
 * Every builder takes the compute dtype (float32, or float64 for gradient checks) and where
 * the weights come from ({@link WeightSource}: graph inputs named as in HF, or initializers).
 *
 * @module
 */

import { type DType, Graph, op, type Value } from "../graph/mod.ts";
import type { ModelConfig } from "./config.ts";
import {
  causalLmLogits,
  criticValues,
  declareSequenceInputs,
  type ModelDType,
  policyLogprobs,
  sequenceScores,
} from "./heads.ts";
import { decoder, type KvPair, lastPosition, lmLogits, shapeWith } from "./qwen3.ts";
import { declareWeights, type WeightSource } from "./weights.ts";

/** Options shared by the graph builders. */
export interface ModelGraphOptions {
  /** Compute dtype. @default "float32" */
  dtype?: ModelDType;
  /** Parameters as graph inputs (HF names) or as initializers holding these values. @default "inputs" */
  weights?: WeightSource;
}

/** Options of {@link buildCausalLmGraph}. */
export interface CausalLmGraphOptions extends ModelGraphOptions {
  /** `logits` [B, T, V], or `logprobs` + `entropy` [B, T] of an extra `targets` input. @default "logits" */
  output?: "logits" | "logprobs";
  /**
   * With `output: "logprobs"`: divide the logits by this before the log-softmax and the
   * entropy (verl's actor, see `policyLogprobs`). 1 leaves the graph unchanged. @default 1
   */
  temperature?: number;
  /** With `output: "logprobs"`: also output `entropy`. @default true */
  entropy?: boolean;
}

function start(name: string, config: ModelConfig, options: ModelGraphOptions) {
  const g = new Graph(name);
  const dtype = options.dtype ?? "float32";
  return { g, dtype, w: declareWeights(g, config, options.weights ?? "inputs", dtype) };
}

/**
 * The causal LM over a padded batch (inputs `input_ids`, `attention_mask`, `position_ids`,
 * int64 [batch, seq]; with `output: "logprobs"` also `targets` int64 [batch, seq], and outputs
 * `logprobs` and (unless `entropy: false`) `entropy` [batch, seq] at the given temperature).
 *
 * @param config a causal-LM config
 * @param options dtype, weight source, outputs
 * @returns the graph
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { buildCausalLmGraph, defineModelConfig } from "./mod.ts";
 * const c = defineModelConfig({ arch: "qwen3", hiddenSize: 16, numHiddenLayers: 1,
 *   numAttentionHeads: 2, intermediateSize: 32, vocabSize: 50 });
 * const g = buildCausalLmGraph(c, { output: "logprobs" });
 * deepStrictEqual(g.outputs.map((v) => v.name), ["logprobs", "entropy"]);
 * ```
 */
export function buildCausalLmGraph(config: ModelConfig, options: CausalLmGraphOptions = {}): Graph {
  requireTask(config, "causal-lm", "buildCausalLmGraph");
  const { g, w } = start("causal_lm", config, options);
  const inp = declareSequenceInputs(g);
  if ((options.output ?? "logits") === "logits") {
    g.output(causalLmLogits(config, w, inp), "logits");
    return g;
  }
  const targets = g.input("targets", "int64", ["batch", "seq"]);
  const { logprobs, entropy } = policyLogprobs(config, w, inp, targets, {
    temperature: options.temperature,
    entropy: options.entropy,
  });
  g.output(logprobs, "logprobs");
  if (entropy) g.output(entropy, "entropy");
  return g;
}

/** Options of {@link buildDecodeGraph}. */
export interface DecodeGraphOptions extends ModelGraphOptions {
  /** Output the logits of the last position only ([B, 1, V]), sparing the lm_head elsewhere. @default false */
  lastLogitsOnly?: boolean;
}

/** Name of layer `i`'s cache input. */
export const pastName = (i: number, kind: "key" | "value"): string =>
  `past_key_values.${i}.${kind}`;
/** Name of layer `i`'s cache output. */
export const presentName = (i: number, kind: "key" | "value"): string => `present.${i}.${kind}`;

/** The inputs a KV-cache step takes, as named by onnxruntime-genai and transformers.js. */
export interface DecodeInputs {
  inputIds: Value;
  attentionMask: Value;
  positionIds: Value;
  past: KvPair[];
}

/**
 * Declares `input_ids` [batch, seq], `attention_mask` [batch, total_seq], `position_ids`
 * [batch, seq] and `past_key_values.{i}.key|value` [batch, kv_heads, past_seq, head_dim].
 */
export function declareDecodeInputs(g: Graph, config: ModelConfig, dtype: DType): DecodeInputs {
  const cacheShape = ["batch", config.numKeyValueHeads, "past_seq", config.headDim];
  const inputIds = g.input("input_ids", "int64", ["batch", "seq"]);
  const attentionMask = g.input("attention_mask", "int64", ["batch", "total_seq"]);
  const positionIds = g.input("position_ids", "int64", ["batch", "seq"]);
  const past: KvPair[] = [];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    past.push({
      key: g.input(pastName(i, "key"), dtype, cacheShape),
      value: g.input(pastName(i, "value"), dtype, cacheShape),
    });
  }
  return { inputIds, attentionMask, positionIds, past };
}

/**
 * Prefill + decode with a KV cache in one graph: inputs `input_ids` and `position_ids`
 * [batch, seq], `attention_mask` [batch, total_seq] over past and new tokens, and per layer
 * `past_key_values.{i}.key|value` [batch, Hkv, past_seq, D] (past_seq 0 for the prefill);
 * outputs `logits` [batch, seq | 1, V] and `present.{i}.key|value` [batch, Hkv, total_seq, D].
 * With the last-only option, every row's last position must be a real token (left padding).
 *
 * @param config a causal-LM config
 * @param options dtype, weight source (initializers for decode speed), last-only logits
 * @returns the graph
 */
export function buildDecodeGraph(config: ModelConfig, options: DecodeGraphOptions = {}): Graph {
  requireTask(config, "causal-lm", "buildDecodeGraph");
  const { g, dtype, w } = start("decoder_with_past", config, options);
  const { inputIds, attentionMask, positionIds, past } = declareDecodeInputs(g, config, dtype);
  const out = decoder(config, w, { inputIds, attentionMask, positionIds, past });
  let logits: Value;
  if (options.lastLogitsOnly) {
    const last = lmLogits(config, w, lastPosition(out.hidden, out.batchSeq)); // [B, V]
    logits = op.unsqueeze(last, [1]); // [B, 1, V]
  } else {
    logits = op.reshape(
      lmLogits(config, w, out.hidden),
      shapeWith(out.batchSeq, [config.vocabSize]),
    ); // [B, T, V]
  }
  g.output(logits, "logits");
  out.present.forEach((kv, i) => {
    g.output(kv.key, presentName(i, "key"));
    g.output(kv.value, presentName(i, "value"));
  });
  return g;
}

/**
 * A critic: per-token `values` [batch, seq] from `score.weight` [1, H] on every position.
 *
 * @param config a seq-cls config with one label (see `valueModelConfig`)
 * @param options dtype and weight source
 * @returns the graph
 */
export function buildValueGraph(config: ModelConfig, options: ModelGraphOptions = {}): Graph {
  const { g, w } = start("value_model", config, options);
  g.output(criticValues(config, w, declareSequenceInputs(g)), "values");
  return g;
}

/**
 * A sequence-classification reward model: `scores` [batch, numLabels] at each row's last
 * real token (left or right padding).
 *
 * @param config a seq-cls config
 * @param options dtype and weight source
 * @returns the graph
 */
export function buildRewardGraph(config: ModelConfig, options: ModelGraphOptions = {}): Graph {
  const { g, w } = start("reward_model", config, options);
  g.output(sequenceScores(config, w, declareSequenceInputs(g)), "scores");
  return g;
}

function requireTask(config: ModelConfig, task: ModelConfig["task"], who: string): void {
  if (config.task !== task) {
    throw new Error(`${who}: needs a ${task} config, got ${config.architecture}`);
  }
}
