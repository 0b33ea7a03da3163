/**
 * Tiny models for the rollout tests: a 2-layer Qwen3 over the byte-level tokenizer (vocab 261)
 * with a wide init so its next-token distributions are far from uniform and depend on the
 * prompt, written once per test process into a temp directory.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { GenerationResult } from "../../lib/rollout/types.ts";
import { defineModelConfig, type ModelConfig } from "../../lib/model/config.ts";
import { createTinyModel } from "../../lib/model/tiny.ts";
import type { F32Tensor } from "../../lib/model/safetensors.ts";
import {
  BYTE_LEVEL_VOCAB_SIZE,
  loadTokenizer,
  type Tokenizer,
  writeByteLevelTokenizer,
} from "../../lib/tokenizer/mod.ts";

/** The tiny config: hidden 32, 2 layers, 4 heads over 2 kv heads (head_dim 8), vocab 261. */
export function tinyConfig(): ModelConfig {
  return defineModelConfig({
    arch: "qwen3",
    hiddenSize: 32,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    intermediateSize: 64,
    vocabSize: BYTE_LEVEL_VOCAB_SIZE,
    tieWordEmbeddings: true,
    ropeTheta: 1e4,
    maxPositionEmbeddings: 128,
    eosTokenId: [258],
    padTokenId: 256,
  });
}

/** A tiny model on disk with its tokenizer. */
export interface TinyModel {
  dir: string;
  config: ModelConfig;
  params: Map<string, F32Tensor>;
  tokenizer: Tokenizer;
}

let cached: Promise<TinyModel> | null = null;

/** The tiny model (created on first use; the directory is removed at process exit). */
export function tinyModel(): Promise<TinyModel> {
  cached ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "rollout_tiny_" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* already gone */ }
    });
    const config = tinyConfig();
    const params = await createTinyModel(dir, config, { seed: 11, std: 0.3, normStd: 0.1 });
    await writeByteLevelTokenizer(dir);
    return { dir, config, params, tokenizer: await loadTokenizer(dir) };
  })();
  return cached;
}

/**
 * Asserts two result lists hold the same samples: ids, text and finish reasons exactly, and
 * log-probabilities within `tol` (batch composition changes float rounding, not tokens).
 */
export function assertSameResults(
  actual: GenerationResult[],
  expected: GenerationResult[],
  tol = 1e-5,
): void {
  const strip = (rs: GenerationResult[]) =>
    rs.map((r) => ({
      promptIds: r.promptIds,
      samples: r.samples.map((s) => ({
        ...s,
        logprobs: s.logprobs.length,
        topLogprobs: undefined,
      })),
    }));
  assert.deepEqual(strip(actual), strip(expected));
  actual.forEach((r, i) =>
    r.samples.forEach((s, j) => {
      const want = expected[i].samples[j];
      s.logprobs.forEach((lp, t) => {
        assert.ok(
          Math.abs(lp - want.logprobs[t]) < tol,
          `result ${i} sample ${j} step ${t}: ${lp} vs ${want.logprobs[t]}`,
        );
      });
      s.topLogprobs?.forEach((top, t) =>
        assert.deepEqual(top.map((x) => x.id), want.topLogprobs![t].map((x) => x.id))
      );
    })
  );
}
