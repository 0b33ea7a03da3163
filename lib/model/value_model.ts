/**
 * Value models (PPO critics): the policy's backbone with a scalar head `score.weight [1, H]`
 * read at every position. Stored as a one-label sequence-classification checkpoint (the
 * layout of verl's critics and of scalar reward models), so a critic can start from the
 * policy (random or zero head) or from a reward model (its trained score head).
 *
 * @module
 */

import { type ModelConfig, validateModelConfig } from "./config.ts";
import { parameterSpecs } from "./params.ts";
import type { F32Tensor } from "./safetensors.ts";
import { Rng } from "../util/rng.ts";

const SEQ_CLS = {
  qwen3: "Qwen3ForSequenceClassification",
  llama: "LlamaForSequenceClassification",
} as const;

/**
 * The config of a value model over a causal LM's or a reward model's backbone: task seq-cls,
 * one label.
 *
 * @param base a causal-LM or seq-cls config
 * @returns the value model's config
 */
export function valueModelConfig(base: ModelConfig): ModelConfig {
  const config: ModelConfig = {
    ...base,
    task: "seq-cls",
    architecture: SEQ_CLS[base.arch],
    numLabels: 1,
    id2label: null,
  };
  validateModelConfig(config, "valueModelConfig");
  return config;
}

/** Options of {@link initValueModel}. */
export interface ValueInitOptions {
  /**
   * The head: `"zero"` (values start at 0), `"random"` (N(0, std)), or `"keep"` (the base's
   * own one-label `score.weight`, for a reward model). @default "keep" for a one-label seq-cls
   * base, else "zero"
   */
  head?: "zero" | "random" | "keep";
  /** Seed of the random head. @default 0 */
  seed?: number;
  /** Standard deviation of the random head. @default 0.02 */
  std?: number;
}

/**
 * A value model's config and parameters from a policy (its backbone, lm_head dropped) or
 * from a reward model (backbone and score head). Backbone tensors are shared, not copied.
 *
 * @param base the policy's or reward model's config
 * @param params its parameters
 * @param options how to initialise the head
 * @returns config and parameters of the value model
 */
export function initValueModel(
  base: ModelConfig,
  params: ReadonlyMap<string, F32Tensor>,
  options: ValueInitOptions = {},
): { config: ModelConfig; params: Map<string, F32Tensor> } {
  const config = valueModelConfig(base);
  const fromRm = base.task === "seq-cls";
  const head = options.head ?? (fromRm && base.numLabels === 1 ? "keep" : "zero");
  if (head === "keep" && !(fromRm && base.numLabels === 1)) {
    throw new Error(
      `initValueModel: head "keep" needs a one-label seq-cls base, got ${base.architecture} with ${base.numLabels} labels`,
    );
  }
  const out = new Map<string, F32Tensor>();
  for (const s of parameterSpecs(config)) {
    if (s.name === "score.weight" && head !== "keep") {
      const data = new Float32Array(config.hiddenSize);
      if (head === "random") new Rng(options.seed ?? 0).fillNormal(data, options.std ?? 0.02);
      out.set(s.name, { shape: [1, config.hiddenSize], data });
      continue;
    }
    const t = params.get(s.name);
    if (!t) throw new Error(`initValueModel: base parameters lack "${s.name}"`);
    out.set(s.name, t);
  }
  return { config, params: out };
}
