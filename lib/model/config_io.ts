/**
 * Reading and writing HF `config.json` files for a {@link ModelConfig}.
 *
 * @module
 */

import { join } from "node:path";
import { type ModelConfig, parseModelConfig } from "./config.ts";
import { writeJsonAtomic } from "../util/atomic.ts";

/**
 * Converts a config back to HF `config.json` fields (what transformers writes).
 *
 * @param c the config
 * @returns a JSON-ready object; `parseModelConfig(toHfConfigJson(c))` equals `c`
 */
export function toHfConfigJson(c: ModelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    model_type: c.arch,
    architectures: [c.architecture],
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    head_dim: c.headDim,
    intermediate_size: c.intermediateSize,
    vocab_size: c.vocabSize,
    hidden_act: "silu",
    attention_bias: false,
    rope_theta: c.ropeTheta,
    rope_scaling: c.ropeScaling
      ? {
        rope_type: "llama3",
        factor: c.ropeScaling.factor,
        low_freq_factor: c.ropeScaling.lowFreqFactor,
        high_freq_factor: c.ropeScaling.highFreqFactor,
        original_max_position_embeddings: c.ropeScaling.originalMaxPositionEmbeddings,
      }
      : null,
    rms_norm_eps: c.rmsNormEps,
    tie_word_embeddings: c.tieWordEmbeddings,
    max_position_embeddings: c.maxPositionEmbeddings,
    torch_dtype: c.torchDtype,
    pad_token_id: c.padTokenId,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId.length === 1
      ? c.eosTokenId[0]
      : c.eosTokenId.length === 0
      ? null
      : c.eosTokenId,
    num_labels: c.numLabels,
  };
  if (c.arch === "llama") out.mlp_bias = false;
  if (c.id2label) {
    out.id2label = c.id2label;
    out.label2id = Object.fromEntries(Object.entries(c.id2label).map(([k, v]) => [v, Number(k)]));
  }
  return out;
}

/**
 * Reads `config.json` from a model directory (or a path to the file itself).
 *
 * @param dirOrFile a model directory or a `config.json` path
 * @returns the typed config
 */
export async function readModelConfig(dirOrFile: string): Promise<ModelConfig> {
  const path = dirOrFile.endsWith(".json") ? dirOrFile : join(dirOrFile, "config.json");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read model config: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON: ${(e as Error).message}`);
  }
  return parseModelConfig(raw, path);
}

/**
 * Writes `config.json` into a model directory atomically.
 *
 * @param dir the model directory (created if missing)
 * @param c the config
 */
export async function writeModelConfig(dir: string, c: ModelConfig): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await writeJsonAtomic(join(dir, "config.json"), toHfConfigJson(c));
}
