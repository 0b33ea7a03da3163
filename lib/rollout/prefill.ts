/**
 * Prefill calls of the sampler: distinct prompts grouped into calls of bounded padded size,
 * and one call's inputs (left padding, masked-cumsum positions, an empty cache).
 *
 * @module
 */

import type { ModelStepInput } from "./decode_model.ts";
import type { SequenceGroup } from "./sequence.ts";

/** Distinct prompts prefilled together. */
export interface PrefillChunk {
  groups: SequenceGroup[];
  /** Padded prompt length. */
  width: number;
}

/**
 * Splits groups (one prompt each) into prefill calls of at most `budget` padded tokens (a
 * longer prompt gets a call of its own).
 *
 * @param groups the groups to prefill
 * @param budget most padded tokens per call
 * @returns the calls
 */
export function prefillChunks(groups: readonly SequenceGroup[], budget: number): PrefillChunk[] {
  const chunks: PrefillChunk[] = [];
  let cur: SequenceGroup[] = [], width = 0;
  for (const g of groups) {
    const len = g.request.promptIds.length;
    if (cur.length > 0 && Math.max(width, len) * (cur.length + 1) > budget) {
      chunks.push({ groups: cur, width });
      cur = [];
      width = 0;
    }
    cur.push(g);
    width = Math.max(width, len);
  }
  if (cur.length > 0) chunks.push({ groups: cur, width });
  return chunks;
}

/**
 * The inputs of one prefill call: prompts left-padded to the chunk's width, positions
 * `cumsum(mask) - 1` (0 on padding), an empty cache, each prompt's temperature.
 *
 * @param chunk the prompts
 * @param layers the model's layer count
 * @returns the model inputs
 */
export function prefillInput(chunk: PrefillChunk, layers: number): ModelStepInput {
  const U = chunk.groups.length, T = chunk.width;
  const ids = new BigInt64Array(U * T), mask = new BigInt64Array(U * T);
  const pos = new BigInt64Array(U * T);
  chunk.groups.forEach((g, u) => {
    const p = g.request.promptIds, off = T - p.length;
    p.forEach((id, t) => {
      ids[u * T + off + t] = BigInt(id);
      mask[u * T + off + t] = 1n;
      pos[u * T + off + t] = BigInt(t);
    });
  });
  return {
    inputIds: ids,
    positionIds: pos,
    attentionMask: mask,
    batch: U,
    seq: T,
    past: new Array(2 * layers).fill(new Float32Array(0)),
    pastLength: 0,
    temperature: Float32Array.from(chunk.groups, (g) => g.sequences[0].graphTemperature),
  };
}
