/** Shared fixtures of the reward tests: records and a tiny reward model directory. */

import { defineModelConfig } from "../../lib/model/config.ts";
import { createTinyModel } from "../../lib/model/tiny.ts";
import type { RewardInput } from "../../lib/reward/types.ts";
import { BYTE_LEVEL_VOCAB_SIZE, writeByteLevelTokenizer } from "../../lib/tokenizer/mod.ts";

/** A record with defaults for the fields a test does not care about. */
export function record(fields: Partial<RewardInput> = {}): RewardInput {
  return {
    messages: [{ role: "user", content: "Hi" }],
    response: "Hello",
    responseIds: [1, 2, 3],
    finishReason: "stop",
    maxResponseTokens: 16,
    meta: {},
    ...fields,
  };
}

/** The tiny seq-cls config (byte-level vocabulary, pad 256, eos 258). */
export const tinyRmConfig = defineModelConfig({
  arch: "qwen3",
  task: "seq-cls",
  hiddenSize: 32,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 8,
  intermediateSize: 64,
  vocabSize: BYTE_LEVEL_VOCAB_SIZE,
  padTokenId: 256,
  eosTokenId: [258],
  ropeTheta: 1e6,
  maxPositionEmbeddings: 4096,
});

/** Runs `fn` with a fresh tiny reward model directory (with a chat template), then removes it. */
export async function withTinyRm<T>(
  fn: (dir: string) => Promise<T>,
  config = tinyRmConfig,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "reward_test_" });
  try {
    await createTinyModel(dir, config, { seed: 7, std: 0.2, normStd: 0.1 });
    await writeByteLevelTokenizer(dir);
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
