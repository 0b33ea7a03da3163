/**
 * A tiny policy/critic and hand-made PPO batches in the full-sequence layout, for the
 * accumulation and spec tests. Private to tests/rl.
 *
 * @module
 */

import type { HostTensor } from "../../lib/graph/mod.ts";
import { defineModelConfig, type ModelConfig } from "../../lib/model/config.ts";
import { positionIdsFromMask } from "../../lib/model/batch.ts";
import type { F32Tensor } from "../../lib/model/safetensors.ts";
import { initParameters } from "../../lib/model/tiny.ts";
import { initValueModel } from "../../lib/model/value_model.ts";

/** A 1-layer Qwen3 policy with vocab 50. */
export const POLICY: ModelConfig = defineModelConfig({
  arch: "qwen3",
  hiddenSize: 16,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
  headDim: 8,
  intermediateSize: 32,
  vocabSize: 50,
});

/** The policy's parameters (std 0.3 so log-probs differ between tokens). */
export function policyParams(seed = 3): Map<string, Float32Array> {
  return flat(initParameters(POLICY, { seed, std: 0.3 }));
}

/** The value model over the policy's backbone with a random head. */
export function criticModel(seed = 3): { config: ModelConfig; params: Map<string, Float32Array> } {
  const v = initValueModel(POLICY, initParameters(POLICY, { seed, std: 0.3 }), {
    head: "random",
    seed: seed + 1,
    std: 0.5,
  });
  return { config: v.config, params: flat(v.params) };
}

function flat(p: Map<string, F32Tensor>): Map<string, Float32Array> {
  return new Map([...p].map(([k, t]) => [k, t.data]));
}

/** One row: prompt and response token ids. */
export interface Row {
  prompt: number[];
  response: number[];
}

/** Five rows with responses of 4, 1, 2, 5 and 3 tokens. */
export const ROWS: Row[] = [
  { prompt: [3, 14, 15], response: [9, 26, 5, 35] },
  { prompt: [8, 9], response: [7] },
  { prompt: [2, 7, 1, 8], response: [28, 18] },
  { prompt: [31, 41], response: [5, 9, 26, 5, 3] },
  { prompt: [27, 1, 8], response: [2, 8, 18] },
];

/** Feeds of the model inputs plus `targets`, and the response mask, right padded. */
export function sequenceBatch(
  rows: Row[],
): { feeds: Record<string, HostTensor>; mask: Float32Array; seq: number } {
  const seq = Math.max(...rows.map((r) => r.prompt.length + r.response.length));
  const B = rows.length;
  const ids = new BigInt64Array(B * seq), targets = new BigInt64Array(B * seq);
  const attn = new BigInt64Array(B * seq), mask = new Float32Array(B * seq);
  rows.forEach((r, b) => {
    const all = [...r.prompt, ...r.response];
    all.forEach((id, t) => {
      ids[b * seq + t] = BigInt(id);
      attn[b * seq + t] = 1n;
      if (t + 1 < all.length) targets[b * seq + t] = BigInt(all[t + 1]);
    });
    for (let k = 0; k < r.response.length; k++) mask[b * seq + r.prompt.length + k - 1] = 1;
  });
  const shape = [B, seq];
  return {
    feeds: {
      input_ids: { dtype: "int64", shape, data: ids },
      attention_mask: { dtype: "int64", shape, data: attn },
      position_ids: { dtype: "int64", shape, data: positionIdsFromMask(attn, B, seq) },
      targets: { dtype: "int64", shape, data: targets },
    },
    mask,
    seq,
  };
}

/** A float32 [rows, seq] feed. */
export function f32(data: Float32Array, rows: number, seq: number): HostTensor {
  return { dtype: "float32", shape: [rows, seq], data };
}

/** A float32 scalar feed. */
export function scalar(x: number): HostTensor {
  return { dtype: "float32", shape: [], data: Float32Array.of(x) };
}

/**
 * Per-token values for a row set, in the full-sequence layout of {@link sequenceBatch}: a
 * deterministic function of (row index in {@link ROWS}, response index), 0 off the response,
 * so every micro-batch of the same rows gets the same per-token values.
 */
export function perToken(
  rows: Row[],
  seq: number,
  fn: (row: number, k: number) => number,
): Float32Array {
  const out = new Float32Array(rows.length * seq);
  rows.forEach((r, b) => {
    const i = ROWS.indexOf(r);
    for (let k = 0; k < r.response.length; k++) out[b * seq + r.prompt.length + k - 1] = fn(i, k);
  });
  return out;
}

/** Deterministic values in [-1, 1) per (row, k). */
export function noise(seed: number): (row: number, k: number) => number {
  return (row, k) => {
    const x = Math.sin(row * 12.9898 + k * 78.233 + seed * 3.7) * 43758.5453;
    return 2 * (x - Math.floor(x)) - 1;
  };
}
