/** A tiny byte-level Qwen3 config for the lib/train tests. Private to tests/train. @module */

import { defineModelConfig, type ModelConfig } from "../../lib/model/config.ts";
import { BYTE_LEVEL_VOCAB_SIZE } from "../../lib/tokenizer/mod.ts";

/** Hidden 32, 2 layers, 2 heads of 16 / 1 kv head, SwiGLU 64, context 128, tied embeddings. */
export function tinyConfig(): ModelConfig {
  return defineModelConfig({
    arch: "qwen3",
    hiddenSize: 32,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    numKeyValueHeads: 1,
    headDim: 16,
    intermediateSize: 64,
    vocabSize: BYTE_LEVEL_VOCAB_SIZE,
    ropeTheta: 1e6,
    maxPositionEmbeddings: 128,
    tieWordEmbeddings: true,
    padTokenId: 256,
    eosTokenId: [258],
  });
}

/** A repetitive corpus: `n` short documents from a few templates. */
export function repetitiveCorpus(n: number): string {
  const names = ["ada", "bo", "cy"];
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`${names[i % 3]} has ${i % 4} cats. ${names[(i + 1) % 3]} waves.`);
  }
  return docs.join("\n\n") + "\n";
}
