/**
 * Sequence packing for causal-LM pre-training: documents are tokenized, each followed by the
 * eos token, concatenated into one stream, and cut into rows of `seqLen + 1` tokens that
 * overlap by one token, so every stream token after the first is predicted exactly once
 * (row i holds stream[i*T .. i*T + T]; inputs are its first T tokens, targets its last T).
 * The last, shorter row is padded and its padded targets masked out. Attention runs across
 * document boundaries inside a row, as in GPT-style packed pre-training; the eos between
 * documents tells the model where one ends.
 *
 * @module
 */

import type { HostTensor } from "../graph/mod.ts";

/** Packed rows: each `seqLen + 1` tokens, `lengths[i]` of them real (the rest padding). */
export interface PackedRows {
  /** Token rows of `seqLen + 1` ids each. */
  rows: Int32Array[];
  /** Real tokens in each row (`seqLen + 1` except perhaps the last). */
  lengths: number[];
  seqLen: number;
  /** Tokens in the stream (documents plus one eos each). */
  tokens: number;
}

/** Options of {@link packDocuments}. */
export interface PackOptions {
  /** Tokens per training row (the model sees T inputs and T targets). */
  seqLen: number;
  /** Id appended after every document. */
  eosId: number;
  /** Id written into the padding of the last row. @default eosId */
  padId?: number;
}

/**
 * Packs tokenized documents into fixed-length rows (see the module doc).
 *
 * @param docs token ids per document
 * @param options row length, eos and pad ids
 * @returns the rows and their real lengths
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packDocuments } from "./packing.ts";
 * const p = packDocuments([[1, 2, 3], [4]], { seqLen: 3, eosId: 9, padId: 0 });
 * // stream 1 2 3 9 4 9 -> rows [1 2 3 9], [9 4 9 0] (the second has 3 real tokens)
 * assert.deepEqual(p.rows.map((r) => [...r]), [[1, 2, 3, 9], [9, 4, 9, 0]]);
 * assert.deepEqual(p.lengths, [4, 3]);
 * ```
 */
export function packDocuments(
  docs: readonly (readonly number[])[],
  options: PackOptions,
): PackedRows {
  const T = options.seqLen;
  if (!(Number.isSafeInteger(T) && T >= 1)) {
    throw new Error(`packDocuments: seqLen must be a positive integer, got ${T}`);
  }
  const total = docs.reduce((n, d) => n + d.length + 1, 0);
  const stream = new Int32Array(total);
  let at = 0;
  for (const d of docs) {
    stream.set(d, at);
    at += d.length;
    stream[at++] = options.eosId;
  }
  const rows: Int32Array[] = [];
  const lengths: number[] = [];
  const pad = options.padId ?? options.eosId;
  for (let start = 0; start + 1 < total; start += T) {
    const row = new Int32Array(T + 1).fill(pad);
    const piece = stream.subarray(start, Math.min(total, start + T + 1));
    row.set(piece);
    rows.push(row);
    lengths.push(piece.length);
  }
  return { rows, lengths, seqLen: T, tokens: total };
}

/** A causal-LM batch for `lmTrainSpec` (feeds) and how many targets count. */
export interface LmBatch {
  feeds: Record<
    "input_ids" | "attention_mask" | "position_ids" | "targets" | "loss_mask",
    HostTensor
  >;
  /** Targets with loss_mask 1. */
  targetTokens: number;
}

/**
 * The feeds of packed rows: inputs are each row's first T tokens, targets its last T, the
 * attention mask covers the real inputs, the loss mask the real targets.
 *
 * @param packed the packed rows
 * @param indices which rows form the batch
 * @returns the feeds of `lmTrainSpec` / `causalLmLoss`
 */
export function lmBatch(packed: PackedRows, indices: readonly number[]): LmBatch {
  const T = packed.seqLen, B = indices.length;
  const ids = new BigInt64Array(B * T), targets = new BigInt64Array(B * T);
  const mask = new BigInt64Array(B * T), pos = new BigInt64Array(B * T);
  const lossMask = new Float32Array(B * T);
  let count = 0;
  indices.forEach((r, b) => {
    const row = packed.rows[r], len = packed.lengths[r];
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      ids[k] = BigInt(row[t]);
      targets[k] = BigInt(row[t + 1]);
      pos[k] = BigInt(t);
      if (t < len) mask[k] = 1n;
      if (t + 1 < len) {
        lossMask[k] = 1;
        count++;
      }
    }
  });
  const shape = [B, T];
  return {
    feeds: {
      input_ids: { dtype: "int64", shape, data: ids },
      attention_mask: { dtype: "int64", shape, data: mask },
      position_ids: { dtype: "int64", shape, data: pos },
      targets: { dtype: "int64", shape, data: targets },
      loss_mask: { dtype: "float32", shape, data: lossMask },
    },
    targetTokens: count,
  };
}
