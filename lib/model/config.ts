/**
 * Hugging Face `config.json` for the decoder families the kit runs: Qwen3 and Llama
 * (causal LM and sequence classification), parsed once into a typed {@link ModelConfig}.
 *
 * References: transformers `Qwen3Config`, `LlamaConfig`, `PretrainedConfig` (num_labels
 * from id2label, default 2).
 *
 * @module
 */

import { z } from "zod";

/** Llama 3 `rope_scaling` (`rope_type`/`type` = `"llama3"`). */
export interface Llama3RopeScaling {
  type: "llama3";
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** A validated decoder model configuration (camelCase mirror of HF `config.json`). */
export interface ModelConfig {
  /** Architecture family. */
  arch: "qwen3" | "llama";
  /** Head on top of the decoder. */
  task: "causal-lm" | "seq-cls";
  /** HF architecture class name, e.g. `Qwen3ForCausalLM`. */
  architecture: string;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  /** Per-head size; HF default hidden_size / num_attention_heads. */
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  ropeTheta: number;
  /** Llama 3 frequency scaling, or null for plain RoPE. */
  ropeScaling: Llama3RopeScaling | null;
  rmsNormEps: number;
  tieWordEmbeddings: boolean;
  /** Number of classifier outputs (seq-cls): num_labels, else len(id2label), else 2. */
  numLabels: number;
  /** Label names by index (seq-cls), or null. */
  id2label: Record<string, string> | null;
  padTokenId: number | null;
  bosTokenId: number | null;
  /** End-of-sequence ids (HF allows a number or a list; always a list here). */
  eosTokenId: number[];
  maxPositionEmbeddings: number;
  /** Storage dtype named by the checkpoint (`torch_dtype` or `dtype`), e.g. `bfloat16`. */
  torchDtype: string;
  /** Per-head RMSNorm on q and k before RoPE (Qwen3). */
  qkNorm: boolean;
}

const ARCHITECTURES: Record<string, { arch: ModelConfig["arch"]; task: ModelConfig["task"] }> = {
  Qwen3ForCausalLM: { arch: "qwen3", task: "causal-lm" },
  Qwen3ForSequenceClassification: { arch: "qwen3", task: "seq-cls" },
  LlamaForCausalLM: { arch: "llama", task: "causal-lm" },
  LlamaForSequenceClassification: { arch: "llama", task: "seq-cls" },
};

/** transformers' defaults when config.json omits max_position_embeddings. */
const DEFAULT_MAX_POSITIONS = { qwen3: 32768, llama: 2048 } as const;

/** HF architecture names this module accepts. */
export const SUPPORTED_ARCHITECTURES: readonly string[] = Object.keys(ARCHITECTURES);

const posInt = z.number().int().positive();
const tokenId = z.number().int().nonnegative();
const rawSchema = z.looseObject({
  model_type: z.enum(["qwen3", "llama"]),
  architectures: z.array(z.string()).min(1),
  hidden_size: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  num_key_value_heads: posInt.nullish(),
  head_dim: posInt.nullish(),
  intermediate_size: posInt,
  vocab_size: posInt,
  rope_theta: z.number().positive().default(10000),
  rope_scaling: z.looseObject({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    factor: z.number().positive().optional(),
    low_freq_factor: z.number().positive().optional(),
    high_freq_factor: z.number().positive().optional(),
    original_max_position_embeddings: posInt.optional(),
  }).nullish(),
  rms_norm_eps: z.number().positive().default(1e-6),
  tie_word_embeddings: z.boolean().default(false),
  num_labels: posInt.optional(),
  id2label: z.record(z.string(), z.string()).nullish(),
  pad_token_id: tokenId.nullish(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
  max_position_embeddings: posInt.optional(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
  hidden_act: z.literal("silu").optional(),
  attention_bias: z.literal(false).optional(),
  mlp_bias: z.literal(false).optional(),
  use_sliding_window: z.literal(false).optional(),
});

/**
 * Parses and validates a HF `config.json` object.
 *
 * @param raw the parsed JSON
 * @param source file name used in error messages @default "config.json"
 * @returns the typed config
 * @throws Error naming the file and the offending field
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { parseModelConfig } from "./config.ts";
 * const c = parseModelConfig({
 *   model_type: "qwen3", architectures: ["Qwen3ForCausalLM"], hidden_size: 64,
 *   num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
 *   intermediate_size: 128, vocab_size: 100,
 * });
 * deepStrictEqual([c.arch, c.headDim, c.qkNorm], ["qwen3", 16, true]);
 * ```
 */
export function parseModelConfig(raw: unknown, source = "config.json"): ModelConfig {
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".") || "(root)";
    throw new Error(`${source}: field "${field}": ${issue.message}`);
  }
  const r = parsed.data;
  const archName = r.architectures[0];
  const kind = ARCHITECTURES[archName];
  if (!kind) {
    throw new Error(
      `${source}: field "architectures": unsupported architecture "${archName}" (supported: ${
        SUPPORTED_ARCHITECTURES.join(", ")
      })`,
    );
  }
  if (kind.arch !== r.model_type) {
    throw new Error(
      `${source}: field "model_type": "${r.model_type}" does not match architecture "${archName}"`,
    );
  }
  const eos = r.eos_token_id;
  const config: ModelConfig = {
    arch: kind.arch,
    task: kind.task,
    architecture: archName,
    hiddenSize: r.hidden_size,
    numHiddenLayers: r.num_hidden_layers,
    numAttentionHeads: r.num_attention_heads,
    numKeyValueHeads: r.num_key_value_heads ?? r.num_attention_heads,
    headDim: r.head_dim ?? r.hidden_size / r.num_attention_heads,
    intermediateSize: r.intermediate_size,
    vocabSize: r.vocab_size,
    ropeTheta: r.rope_theta,
    ropeScaling: parseRopeScaling(r.rope_scaling ?? null, source),
    rmsNormEps: r.rms_norm_eps,
    tieWordEmbeddings: r.tie_word_embeddings,
    numLabels: r.num_labels ?? (r.id2label ? Object.keys(r.id2label).length : 2),
    id2label: r.id2label ?? null,
    padTokenId: r.pad_token_id ?? null,
    bosTokenId: r.bos_token_id ?? null,
    eosTokenId: eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos],
    maxPositionEmbeddings: r.max_position_embeddings ?? DEFAULT_MAX_POSITIONS[kind.arch],
    torchDtype: r.torch_dtype ?? r.dtype ?? "float32",
    qkNorm: kind.arch === "qwen3",
  };
  validateModelConfig(config, source);
  return config;
}

function parseRopeScaling(
  raw: z.infer<typeof rawSchema>["rope_scaling"] | null,
  source: string,
): Llama3RopeScaling | null {
  if (raw === null || raw === undefined) return null;
  const type = raw.rope_type ?? raw.type;
  if (type === "default") return null;
  if (type !== "llama3") {
    throw new Error(
      `${source}: field "rope_scaling.rope_type": unsupported "${type}" (supported: "llama3", "default")`,
    );
  }
  for (
    const k of [
      "factor",
      "low_freq_factor",
      "high_freq_factor",
      "original_max_position_embeddings",
    ] as const
  ) {
    if (raw[k] === undefined) {
      throw new Error(`${source}: field "rope_scaling.${k}": required for rope_type "llama3"`);
    }
  }
  return {
    type: "llama3",
    factor: raw.factor!,
    lowFreqFactor: raw.low_freq_factor!,
    highFreqFactor: raw.high_freq_factor!,
    originalMaxPositionEmbeddings: raw.original_max_position_embeddings!,
  };
}

/**
 * Checks the cross-field rules of a config (head counts, head_dim parity, label count, ...).
 *
 * @param c the config
 * @param source file name used in error messages @default "config"
 * @throws Error naming the file and the offending field
 */
export function validateModelConfig(c: ModelConfig, source = "config"): void {
  const fail = (field: string, msg: string): never => {
    throw new Error(`${source}: field "${field}": ${msg}`);
  };
  const ints: (keyof ModelConfig)[] = [
    "hiddenSize",
    "numHiddenLayers",
    "numAttentionHeads",
    "numKeyValueHeads",
    "headDim",
    "intermediateSize",
    "vocabSize",
    "numLabels",
    "maxPositionEmbeddings",
  ];
  for (const k of ints) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      fail(snake(k), `expected a positive integer, got ${JSON.stringify(v)}`);
    }
  }
  if (c.numAttentionHeads % c.numKeyValueHeads !== 0) {
    fail(
      "num_key_value_heads",
      `num_attention_heads (${c.numAttentionHeads}) must be a multiple of num_key_value_heads (${c.numKeyValueHeads})`,
    );
  }
  if (c.headDim % 2 !== 0) fail("head_dim", `must be even for rotary embeddings, got ${c.headDim}`);
  if (!(c.ropeTheta > 0)) fail("rope_theta", `expected > 0, got ${c.ropeTheta}`);
  if (!(c.rmsNormEps > 0)) fail("rms_norm_eps", `expected > 0, got ${c.rmsNormEps}`);
  if (c.qkNorm !== (c.arch === "qwen3")) {
    fail("model_type", `qkNorm must be ${c.arch === "qwen3"} for ${c.arch}`);
  }
  const expectArch = Object.entries(ARCHITECTURES).find(([, k]) =>
    k.arch === c.arch && k.task === c.task
  )?.[0];
  if (c.architecture !== expectArch) {
    fail(
      "architectures",
      `"${c.architecture}" does not match arch ${c.arch} / task ${c.task} (expected ${expectArch})`,
    );
  }
  // pad_token_id may lie outside the vocabulary (a pad id can serve only to find the last
  // real token), so only bos/eos are range-checked.
  if (c.bosTokenId !== null && c.bosTokenId >= c.vocabSize) {
    fail("bos_token_id", `${c.bosTokenId} is outside the vocabulary (vocab_size ${c.vocabSize})`);
  }
  for (const id of c.eosTokenId) {
    if (id >= c.vocabSize) {
      fail("eos_token_id", `${id} is outside the vocabulary (vocab_size ${c.vocabSize})`);
    }
  }
  if (c.id2label && Object.keys(c.id2label).length !== c.numLabels) {
    fail(
      "num_labels",
      `${c.numLabels} disagrees with id2label (${Object.keys(c.id2label).length} labels)`,
    );
  }
  const rs = c.ropeScaling;
  if (rs && !(rs.highFreqFactor > rs.lowFreqFactor)) {
    fail(
      "rope_scaling.high_freq_factor",
      `must exceed low_freq_factor (${rs.lowFreqFactor}), got ${rs.highFreqFactor}`,
    );
  }
}

function snake(k: string): string {
  return k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

/** The fields {@link defineModelConfig} requires; every other field is optional. */
export type ModelConfigInput =
  & Pick<
    ModelConfig,
    | "arch"
    | "hiddenSize"
    | "numHiddenLayers"
    | "numAttentionHeads"
    | "intermediateSize"
    | "vocabSize"
  >
  & Partial<Omit<ModelConfig, "architecture" | "qkNorm">>;

/**
 * Builds a config in code (tiny models, benchmark configs) with transformers' defaults:
 * task causal-lm, kv heads = heads, head_dim = hidden / heads, rope theta 1e4, no rope scaling,
 * rms eps 1e-6, untied, no special tokens, float32. For seq-cls, numLabels defaults to 1
 * (a scalar reward or value head).
 *
 * @param input the required sizes plus any overrides
 * @returns a validated config
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { defineModelConfig } from "./config.ts";
 * const c = defineModelConfig({ arch: "llama", task: "seq-cls", hiddenSize: 32, numHiddenLayers: 1,
 *   numAttentionHeads: 2, intermediateSize: 64, vocabSize: 50 });
 * deepStrictEqual([c.architecture, c.headDim, c.numLabels], ["LlamaForSequenceClassification", 16, 1]);
 * ```
 */
export function defineModelConfig(input: ModelConfigInput): ModelConfig {
  const task = input.task ?? "causal-lm";
  const archName = Object.entries(ARCHITECTURES).find(([, k]) =>
    k.arch === input.arch && k.task === task
  )?.[0];
  if (!archName) {
    throw new Error(
      `defineModelConfig: field "arch": unsupported arch ${input.arch} / task ${task}`,
    );
  }
  const config: ModelConfig = {
    task,
    numKeyValueHeads: input.numAttentionHeads,
    headDim: input.hiddenSize / input.numAttentionHeads,
    ropeTheta: 10000,
    ropeScaling: null,
    rmsNormEps: 1e-6,
    tieWordEmbeddings: false,
    numLabels: task === "seq-cls" ? 1 : 2,
    id2label: null,
    padTokenId: null,
    bosTokenId: null,
    eosTokenId: [],
    maxPositionEmbeddings: DEFAULT_MAX_POSITIONS[input.arch],
    torchDtype: "float32",
    ...input,
    architecture: archName,
    qkNorm: input.arch === "qwen3",
  };
  validateModelConfig(config, "defineModelConfig");
  return config;
}

export { ropeInvFreq } from "./rope.ts";
