/**
 * From rollout samples to the graphs' full-sequence layout, and back.
 *
 * A row is `prompt ++ response` (right padded). Position t of a row predicts `targets[t]` =
 * the id at t+1, so response token k of a row with a P-token prompt is the target at position
 * `P + k - 1`; `response_mask` is 1 exactly there (see lib/rl/types.ts). Per-token arrays of
 * the response layout (`rows x width`) move to and from this layout with
 * {@link toSequenceLayout} / {@link fromSequenceLayout}.
 *
 * Sequence lengths are rounded up to a multiple of {@link SEQ_BUCKET} so the train and forward
 * sessions see few distinct shapes (onnxruntime plans memory per shape).
 *
 * @module
 */

import type { HostTensor } from "../graph/mod.ts";
import type { ResponseLayout } from "./types.ts";

/** Sequence lengths of a micro-batch are rounded up to a multiple of this. */
export const SEQ_BUCKET = 16;

/** The token ids of one row: its prompt and its response. */
export interface RowTokens {
  promptIds: readonly number[];
  responseIds: readonly number[];
}

/** Rows in the full-sequence layout, ready to feed. */
export interface SequenceBatch {
  /** Number of rows. */
  rows: number;
  /** Padded sequence length. */
  seq: number;
  /** `input_ids`, `attention_mask`, `position_ids`, `targets`: int64 [rows, seq]. */
  feeds: Record<"input_ids" | "attention_mask" | "position_ids" | "targets", HostTensor>;
  /** [rows*seq]: 1 where the target is a response token. */
  responseMask: Float32Array;
  /** Prompt length of each row. */
  promptLengths: number[];
  /** Response length of each row. */
  responseLengths: number[];
}

/**
 * Packs rows into the full-sequence layout.
 *
 * @param rows prompt and response ids per row (every response non-empty)
 * @param options pad id; `bucket` rounds the length up @default SEQ_BUCKET
 * @returns feeds and the response mask
 */
export function packSequences(
  rows: readonly RowTokens[],
  options: { padId: number; bucket?: number },
): SequenceBatch {
  if (rows.length === 0) throw new Error("packSequences: no rows");
  const bucket = options.bucket ?? SEQ_BUCKET;
  const longest = Math.max(...rows.map((r) => r.promptIds.length + r.responseIds.length));
  const seq = Math.ceil(longest / bucket) * bucket;
  const B = rows.length;
  const pad = BigInt(options.padId);
  const ids = new BigInt64Array(B * seq).fill(pad);
  const targets = new BigInt64Array(B * seq).fill(pad);
  const mask = new BigInt64Array(B * seq);
  const positions = new BigInt64Array(B * seq);
  const responseMask = new Float32Array(B * seq);
  rows.forEach((r, b) => {
    const P = r.promptIds.length, R = r.responseIds.length;
    if (P === 0) throw new Error(`packSequences: row ${b} has an empty prompt`);
    if (R === 0) throw new Error(`packSequences: row ${b} has an empty response`);
    const all = [...r.promptIds, ...r.responseIds];
    for (let t = 0; t < all.length; t++) {
      ids[b * seq + t] = BigInt(all[t]);
      mask[b * seq + t] = 1n;
      positions[b * seq + t] = BigInt(t);
      if (t + 1 < all.length) targets[b * seq + t] = BigInt(all[t + 1]);
    }
    for (let k = 0; k < R; k++) responseMask[b * seq + P + k - 1] = 1;
  });
  const int = (data: BigInt64Array): HostTensor => ({ dtype: "int64", shape: [B, seq], data });
  return {
    rows: B,
    seq,
    feeds: {
      input_ids: int(ids),
      attention_mask: int(mask),
      position_ids: int(positions),
      targets: int(targets),
    },
    responseMask,
    promptLengths: rows.map((r) => r.promptIds.length),
    responseLengths: rows.map((r) => r.responseIds.length),
  };
}

/**
 * The response layout of rows: `width` = the longest response, mask 1 at response tokens.
 *
 * @param responseLengths response length per row
 * @returns the layout
 */
export function responseLayout(responseLengths: readonly number[]): ResponseLayout {
  const rows = responseLengths.length;
  const width = Math.max(1, ...responseLengths);
  const responseMask = new Float32Array(rows * width);
  responseLengths.forEach((n, b) => responseMask.fill(1, b * width, b * width + n));
  return { rows, width, responseMask };
}

/**
 * Moves a response-layout array [rows*width] into the sequence layout [rows*seq] of `batch`
 * (token k of row b to position `P_b + k - 1`), zeros elsewhere.
 *
 * @param values [rows*width] per response token
 * @param width the response layout's width
 * @param batch the packed rows (same row order)
 * @returns [rows*seq]
 */
export function toSequenceLayout(
  values: Float32Array,
  width: number,
  batch: SequenceBatch,
): Float32Array {
  const out = new Float32Array(batch.rows * batch.seq);
  for (let b = 0; b < batch.rows; b++) {
    const base = b * batch.seq + batch.promptLengths[b] - 1;
    for (let k = 0; k < batch.responseLengths[b]; k++) out[base + k] = values[b * width + k];
  }
  return out;
}

/**
 * Reads a sequence-layout array [rows*seq] (a graph output) back into the response layout
 * [rows*width], zeros at padding.
 *
 * @param values [rows*seq] aligned with targets
 * @param batch the packed rows
 * @param width the response layout's width
 * @returns [rows*width]
 */
export function fromSequenceLayout(
  values: ArrayLike<number>,
  batch: SequenceBatch,
  width: number,
): Float32Array {
  const out = new Float32Array(batch.rows * width);
  for (let b = 0; b < batch.rows; b++) {
    const base = b * batch.seq + batch.promptLengths[b] - 1;
    for (let k = 0; k < batch.responseLengths[b]; k++) out[b * width + k] = values[base + k];
  }
  return out;
}

/**
 * Splits row indices into consecutive micro-batches: `rowsPer` rows each, or, with a token
 * budget, as many rows as fit (`rows x padded length <= maxTokens`, at least one row).
 *
 * @param rowLengths total tokens (prompt + response) of each row, in order
 * @param options `rowsPer` or `maxTokens`
 * @returns row-index lists, in order
 */
export function microBatches(
  rowLengths: readonly number[],
  options: { rowsPer?: number; maxTokens?: number },
): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let longest = 0;
  for (let i = 0; i < rowLengths.length; i++) {
    const padded = Math.ceil(rowLengths[i] / SEQ_BUCKET) * SEQ_BUCKET;
    const wouldBe = Math.max(longest, padded) * (cur.length + 1);
    const full = options.maxTokens !== undefined
      ? cur.length > 0 && wouldBe > options.maxTokens
      : cur.length >= (options.rowsPer ?? rowLengths.length);
    if (full) {
      out.push(cur);
      cur = [];
      longest = 0;
    }
    cur.push(i);
    longest = Math.max(longest, padded);
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * The fraction of padded slots among a set of micro-batches (what token-budget batching saves).
 *
 * @param batches packed micro-batches
 * @returns padded slots / all slots
 */
export function paddingFraction(batches: readonly SequenceBatch[]): number {
  let slots = 0, real = 0;
  for (const b of batches) {
    slots += b.rows * b.seq;
    for (let i = 0; i < b.rows; i++) real += b.promptLengths[i] + b.responseLengths[i];
  }
  return slots === 0 ? 0 : 1 - real / slots;
}
