/**
 * The parameters of a Qwen3 / Llama decoder under their Hugging Face names, in the order
 * transformers' `named_parameters()` lists them.
 *
 * @module
 */

import type { ParamEntry } from "../graph/mod.ts";
import type { ModelConfig } from "./config.ts";

/** What a parameter is, for initialisation and weight decay decisions. */
export type ParamKind = "embedding" | "linear" | "norm";

/** One named parameter and its shape (row-major, `[out, in]` for linear weights as torch stores them). */
export interface ParamSpec {
  name: string;
  shape: number[];
  kind: ParamKind;
}

/**
 * Lists a model's parameters: `model.embed_tokens.weight [V, H]`; per layer N
 * `model.layers.N.self_attn.{q,k,v,o}_proj.weight`, `self_attn.{q,k}_norm.weight [D]` (qwen3),
 * `mlp.{gate,up,down}_proj.weight`, `input_layernorm.weight`, `post_attention_layernorm.weight`;
 * `model.norm.weight`; then `lm_head.weight [V, H]` (causal LM, untied) or `score.weight
 * [numLabels, H]` (seq-cls).
 *
 * @param config the model config
 * @returns the specs in `named_parameters()` order
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { defineModelConfig, parameterSpecs } from "./mod.ts";
 * const c = defineModelConfig({ arch: "qwen3", hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2,
 *   intermediateSize: 16, vocabSize: 10, tieWordEmbeddings: true });
 * deepStrictEqual(parameterSpecs(c).length, 1 + 11 + 1);
 * ```
 */
export function parameterSpecs(config: ModelConfig): ParamSpec[] {
  const H = config.hiddenSize, D = config.headDim, I = config.intermediateSize;
  const q = config.numAttentionHeads * D, kv = config.numKeyValueHeads * D;
  const specs: ParamSpec[] = [{
    name: "model.embed_tokens.weight",
    shape: [config.vocabSize, H],
    kind: "embedding",
  }];
  for (let l = 0; l < config.numHiddenLayers; l++) {
    const p = `model.layers.${l}`;
    specs.push(
      { name: `${p}.self_attn.q_proj.weight`, shape: [q, H], kind: "linear" },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, H], kind: "linear" },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, H], kind: "linear" },
      { name: `${p}.self_attn.o_proj.weight`, shape: [H, q], kind: "linear" },
    );
    if (config.qkNorm) {
      specs.push(
        { name: `${p}.self_attn.q_norm.weight`, shape: [D], kind: "norm" },
        { name: `${p}.self_attn.k_norm.weight`, shape: [D], kind: "norm" },
      );
    }
    specs.push(
      { name: `${p}.mlp.gate_proj.weight`, shape: [I, H], kind: "linear" },
      { name: `${p}.mlp.up_proj.weight`, shape: [I, H], kind: "linear" },
      { name: `${p}.mlp.down_proj.weight`, shape: [H, I], kind: "linear" },
      { name: `${p}.input_layernorm.weight`, shape: [H], kind: "norm" },
      { name: `${p}.post_attention_layernorm.weight`, shape: [H], kind: "norm" },
    );
  }
  specs.push({ name: "model.norm.weight", shape: [H], kind: "norm" });
  if (config.task === "seq-cls") {
    specs.push({ name: "score.weight", shape: [config.numLabels, H], kind: "linear" });
  } else if (!config.tieWordEmbeddings) {
    specs.push({ name: "lm_head.weight", shape: [config.vocabSize, H], kind: "linear" });
  }
  return specs;
}

/** Names a checkpoint may hold beyond {@link parameterSpecs} (ignored when loading). */
export function isIgnorableWeight(config: ModelConfig, name: string): boolean {
  if (name.endsWith("rotary_emb.inv_freq")) return true; // older llama checkpoints store the rope buffer
  return name === "lm_head.weight" && (config.tieWordEmbeddings || config.task === "seq-cls");
}

/**
 * Checks that a parameter map holds exactly the config's parameters with the right shapes
 * (and, where `data` is given, the right number of values).
 *
 * @param config the model config
 * @param params name -> tensor
 * @param source where the parameters came from, for messages
 * @throws Error naming the source, tensor, and expected vs actual shape
 */
export function checkParameters(
  config: ModelConfig,
  params: ReadonlyMap<string, { shape: readonly number[]; data?: ArrayLike<number> }>,
  source: string,
): void {
  const specs = parameterSpecs(config);
  const known = new Set(specs.map((s) => s.name));
  const missing = specs.filter((s) => !params.has(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new Error(
      `${source}: missing parameter(s) ${missing.slice(0, 5).join(", ")}${
        missing.length > 5 ? ` and ${missing.length - 5} more` : ""
      }`,
    );
  }
  for (const s of specs) {
    const t = params.get(s.name)!;
    const numel = s.shape.reduce((a, b) => a * b, 1);
    const n = t.data?.length ?? numel;
    if (
      t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i]) || n !== numel
    ) {
      throw new Error(
        `${source}: parameter "${s.name}" has shape ${
          JSON.stringify(t.shape)
        } (${n} values), expected ${JSON.stringify(s.shape)}`,
      );
    }
  }
  const extra = [...params.keys()].filter((n) => !known.has(n) && !isIgnorableWeight(config, n));
  if (extra.length > 0) {
    throw new Error(
      `${source}: unexpected parameter(s) for ${config.architecture}: ${
        extra.slice(0, 5).join(", ")
      }`,
    );
  }
}

/** Names, or a predicate on the name, of parameters the optimizer leaves alone. */
export type FreezeOption = readonly string[] | ((name: string) => boolean);

/**
 * The parameter entries of a train-step spec: every HF parameter of `config` (in
 * `named_parameters()` order), trainable unless frozen.
 *
 * @param config the model config
 * @param options `freeze` and `who` (the caller, for errors)
 * @returns the spec's parameter entries
 * @throws when `freeze` lists a name the model does not have
 */
export function trainParams(
  config: ModelConfig,
  options: { freeze?: FreezeOption; who: string },
): ParamEntry[] {
  const f = options.freeze;
  const frozen = typeof f === "function" ? f : (name: string) => (f ?? []).includes(name);
  const specs = parameterSpecs(config);
  if (Array.isArray(f)) {
    const known = new Set(specs.map((s) => s.name));
    const unknown = f.filter((n) => !known.has(n));
    if (unknown.length) {
      throw new Error(`${options.who}: freeze names unknown parameter(s) ${unknown.join(", ")}`);
    }
  }
  return specs.map((s) => ({ name: s.name, shape: [...s.shape], trainable: !frozen(s.name) }));
}
