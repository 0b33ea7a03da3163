/**
 * Host-side batches for the model graphs: token rows padded to one length (left or right),
 * with the attention mask and the position ids transformers would use
 * (`cumsum(mask) - 1`, so left padding keeps every row's first real token at position 0).
 *
 * @module
 */

import type { HostTensor } from "../graph/mod.ts";

/** Which side of a row the padding goes on. */
export type PadSide = "left" | "right";

/** A padded batch as graph feeds plus its size. */
export interface TokenBatch {
  /** `input_ids`, `attention_mask`, `position_ids`, int64 [batch, seq]. */
  feeds: Record<"input_ids" | "attention_mask" | "position_ids", HostTensor>;
  batch: number;
  seq: number;
  /** Where row b's tokens start (left padding: the pad count; right padding: 0). */
  offsets: number[];
}

/** Options of {@link padBatch}. */
export interface PadOptions {
  /** @default "right" */
  side?: PadSide;
  /** Id written into padded slots (never attended to). @default 0 */
  padId?: number;
  /** Pad to this length (at least the longest row). @default the longest row */
  length?: number;
}

/**
 * Pads token rows into one batch.
 *
 * @param rows token ids per row (non-empty)
 * @param options side, pad id, target length
 * @returns feeds and layout
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { padBatch } from "./batch.ts";
 * const b = padBatch([[5, 6, 7], [8]], { side: "left" });
 * deepStrictEqual([...b.feeds.position_ids.data].map(Number), [0, 1, 2, 0, 0, 0]);
 * deepStrictEqual(b.offsets, [0, 2]);
 * ```
 */
export function padBatch(rows: number[][], options: PadOptions = {}): TokenBatch {
  if (rows.length === 0) throw new Error("padBatch: no rows");
  const longest = Math.max(...rows.map((r) => r.length));
  const seq = options.length ?? longest;
  if (seq < longest) {
    throw new Error(`padBatch: length ${seq} is shorter than the longest row (${longest})`);
  }
  const B = rows.length, side = options.side ?? "right", pad = BigInt(options.padId ?? 0);
  const ids = new BigInt64Array(B * seq).fill(pad);
  const mask = new BigInt64Array(B * seq);
  const offsets: number[] = [];
  rows.forEach((row, b) => {
    const off = side === "left" ? seq - row.length : 0;
    offsets.push(off);
    row.forEach((id, t) => {
      ids[b * seq + off + t] = BigInt(id);
      mask[b * seq + off + t] = 1n;
    });
  });
  const shape = [B, seq];
  return {
    feeds: {
      input_ids: { dtype: "int64", shape, data: ids },
      attention_mask: { dtype: "int64", shape, data: mask },
      position_ids: { dtype: "int64", shape, data: positionIdsFromMask(mask, B, seq) },
    },
    batch: B,
    seq,
    offsets,
  };
}

/**
 * Position ids from an attention mask [B, T]: `max(cumsum(mask) - 1, 0)` per row.
 *
 * @param mask int64 [B, T], 1 for real tokens
 * @param batch B
 * @param seq T
 * @returns int64 [B, T]
 */
export function positionIdsFromMask(
  mask: BigInt64Array,
  batch: number,
  seq: number,
): BigInt64Array {
  const out = new BigInt64Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    let seen = 0n;
    for (let t = 0; t < seq; t++) {
      seen += mask[b * seq + t];
      out[b * seq + t] = seen > 0n ? seen - 1n : 0n;
    }
  }
  return out;
}
