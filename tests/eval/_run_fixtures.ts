/**
 * Shared pieces of the evaluation-run tests: the data mirror, tiny models in a temp dir, and
 * a quiet runner setup.
 *
 * @module
 */

import { join } from "node:path";
export { DATA_DIR, HAVE_DATA } from "../_data.ts";
import { defineModelConfig } from "../../lib/model/config.ts";
import { BYTE_LEVEL_VOCAB_SIZE } from "../../lib/tokenizer/mod.ts";
import { ensureTinyModel } from "../../lib/model/tiny_dir.ts";

const dims = {
  arch: "qwen3",
  hiddenSize: 32,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
  headDim: 16,
  intermediateSize: 64,
  vocabSize: BYTE_LEVEL_VOCAB_SIZE,
  ropeTheta: 1e6,
  maxPositionEmbeddings: 32768,
  padTokenId: 256,
  eosTokenId: [258],
} as const;

/**
 * Creates a tiny causal LM and a tiny seq-cls reward model (byte-level tokenizer) in a temp dir.
 *
 * @returns the directory and the two model directories
 */
export async function tinyModels(): Promise<{ root: string; model: string; rm: string }> {
  const root = await Deno.makeTempDir({ prefix: "eval_run_test_" });
  const model = join(root, "model"), rm = join(root, "rm");
  const quiet = () => {};
  await ensureTinyModel(
    model,
    defineModelConfig({ ...dims, eosTokenId: [258], tieWordEmbeddings: true }),
    1,
    quiet,
  );
  await ensureTinyModel(
    rm,
    defineModelConfig({ ...dims, eosTokenId: [258], task: "seq-cls" }),
    2,
    quiet,
  );
  return { root, model, rm };
}

/** Collects warnings and swallows progress output. */
export function quietIo(): {
  warnings: string[];
  warn: (m: string) => void;
  progressWrite: (t: string) => void;
} {
  const warnings: string[] = [];
  return { warnings, warn: (m) => warnings.push(m), progressWrite: () => {} };
}
