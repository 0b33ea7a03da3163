/**
 * Full-sequence references for the sampler tests: logits of whole rows (prompt + response)
 * from `lib/model`'s causal-LM graph, no KV cache, and host log-softmax helpers.
 *
 * @module
 */

import { padBatch } from "../../lib/model/batch.ts";
import { CausalLmRunner } from "../../lib/model/forward.ts";
import type { TinyModel } from "./_fixtures.ts";

/**
 * Logits of each row at every position, from one full-sequence forward pass.
 *
 * @param m the model
 * @param rows token rows (right-padded together)
 * @returns per row, per position, a [V] array
 */
export async function fullLogits(m: TinyModel, rows: number[][]): Promise<Float32Array[][]> {
  const runner = CausalLmRunner.fromParams(m.config, m.params, { threads: 1 });
  try {
    const batch = padBatch(rows, { side: "right" });
    const out = await runner.logits(batch);
    const V = m.config.vocabSize, T = batch.seq;
    const data = out.data as Float32Array;
    return rows.map((row, b) =>
      row.map((_, t) => data.slice((b * T + t) * V, (b * T + t + 1) * V))
    );
  } finally {
    await runner.release();
  }
}

/** `log softmax(logits / temperature)` in float64. */
export function logSoftmax(logits: Float32Array, temperature = 1): Float64Array {
  const z = Float64Array.from(logits, (v) => v / temperature);
  const max = Math.max(...z);
  const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
  return z.map((v) => v - lse);
}

/** Ids sorted by logit, largest first (ties by lower id). */
export function ranked(logits: Float32Array): number[] {
  return [...logits.keys()].sort((a, b) => logits[b] - logits[a] || a - b);
}

/**
 * The upper quantile of the chi-square distribution with `df` degrees of freedom at tail
 * probability given by the normal quantile `z` (Wilson-Hilferty approximation, accurate to
 * about 1% for df >= 10).
 */
export function chiSquareCritical(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/**
 * Pearson's chi-square statistic of counts against probabilities, pooling the categories
 * whose expected count is below 5 into one bin.
 *
 * @returns the statistic and its degrees of freedom
 */
export function chiSquare(counts: number[], probs: Float64Array): { stat: number; df: number } {
  const total = counts.reduce((a, b) => a + b, 0);
  let stat = 0, bins = 0, poolObs = 0, poolExp = 0;
  probs.forEach((p, i) => {
    const e = p * total;
    if (e < 5) {
      poolObs += counts[i];
      poolExp += e;
      return;
    }
    stat += (counts[i] - e) ** 2 / e;
    bins++;
  });
  if (poolExp > 0) {
    stat += (poolObs - poolExp) ** 2 / poolExp;
    bins++;
  }
  return { stat, df: bins - 1 };
}
