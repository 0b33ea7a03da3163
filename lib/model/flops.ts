/**
 * Forward FLOPs of the kit's models, the numerator of every benchmark's ratio to the MatMul
 * peak.
 *
 * @module
 */

import type { ModelConfig } from "./config.ts";
import { parameterSpecs } from "./params.ts";

/**
 * Forward FLOPs over `rows` x `seq` tokens: 2 x the matmul weights (the linear layers, plus
 * the tied embedding where it is a causal LM's head) x tokens, plus the QK^T and PV products
 * over the full seq x seq square (4 x layers x query heads x head dim x seq^2 per row).
 * A backward pass costs twice this.
 *
 * @param c the model's config
 * @param rows sequences
 * @param seq tokens per sequence
 */
export function forwardFlops(c: ModelConfig, rows: number, seq: number): number {
  let weights = parameterSpecs(c)
    .filter((s) => s.kind === "linear")
    .reduce((n, s) => n + s.shape[0] * s.shape[1], 0);
  if (c.task === "causal-lm" && c.tieWordEmbeddings) weights += c.vocabSize * c.hiddenSize;
  const attention = c.numHiddenLayers * 2 * 2 * c.numAttentionHeads * c.headDim * seq * seq;
  return 2 * weights * rows * seq + attention * rows;
}
