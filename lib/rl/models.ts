/**
 * The models of a run: the policy (an HF causal-LM directory or hub id, or a tiny random model
 * made on the fly for smoke runs), and the critic, initialised from the policy (its backbone,
 * a zero value head) or from a one-label reward model (its backbone and score head, as
 * OpenRLHF does by default) — chosen by where `critic.model.path` points.
 *
 * @module
 */

import { join } from "node:path";
import { loadModel } from "../model/checkpoint.ts";
import { defineModelConfig, type ModelConfig } from "../model/config.ts";
import { downloadModel } from "../model/hub.ts";
import type { F32Tensor } from "../model/safetensors.ts";
import { createTinyModel } from "../model/tiny.ts";
import { initValueModel } from "../model/value_model.ts";
import {
  BYTE_LEVEL_VOCAB_SIZE,
  loadTokenizer,
  type Tokenizer,
  writeByteLevelTokenizer,
} from "../tokenizer/mod.ts";
import { replaceDirAtomic } from "../util/atomic.ts";
import { pathExists } from "../util/fs.ts";

/** A loaded policy. */
export interface PolicyModel {
  /** Its directory (tokenizer files are copied from here into checkpoints). */
  dir: string;
  config: ModelConfig;
  params: Map<string, F32Tensor>;
  tokenizer: Tokenizer;
  /** The pad id rows are padded with. */
  padId: number;
}

/**
 * The smoke model: Qwen3 architecture, byte-level tokenizer (261 ids), 2 layers of width 64.
 *
 * @returns its config
 */
export function smokeModelConfig(): ModelConfig {
  return defineModelConfig({
    arch: "qwen3",
    hiddenSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 16,
    intermediateSize: 128,
    vocabSize: BYTE_LEVEL_VOCAB_SIZE,
    ropeTheta: 1e6,
    maxPositionEmbeddings: 4096,
    tieWordEmbeddings: true,
    padTokenId: 256,
    eosTokenId: [258],
  });
}

/**
 * Writes the smoke model into `dir` (seeded; reused when present).
 *
 * @param dir the directory
 * @param seed the init seed
 * @returns the directory
 */
export async function ensureSmokeModel(dir: string, seed: number): Promise<string> {
  if (await pathExists(join(dir, "config.json")) && await pathExists(join(dir, "tokenizer.json"))) {
    return dir;
  }
  await replaceDirAtomic(dir, async (tmp) => {
    await createTinyModel(tmp, smokeModelConfig(), { seed, std: 0.1, normStd: 0.1 });
    await writeByteLevelTokenizer(tmp);
  });
  return dir;
}

/**
 * Loads the policy from a directory or hub id (downloaded into the hub cache when missing).
 *
 * @param path `actor_rollout_ref.model.path`
 * @returns the policy
 */
export async function loadPolicy(path: string): Promise<PolicyModel> {
  const dir = await downloadModel(path);
  const { config, params } = await loadModel(dir);
  if (config.task !== "causal-lm") {
    throw new Error(
      `actor_rollout_ref.model.path: ${dir} is a ${config.architecture}, the policy must be a causal LM`,
    );
  }
  const tokenizer = await loadTokenizer(dir);
  const padId = tokenizer.padTokenId ?? config.padTokenId ?? tokenizer.eosTokenIds[0] ?? 0;
  return { dir, config, params, tokenizer, padId };
}

/** A critic's starting point. */
export interface CriticInit {
  config: ModelConfig;
  params: Map<string, F32Tensor>;
  /** Where it came from: the policy's backbone with a zero head, or a reward model. */
  source: "policy" | "reward_model";
  dir: string;
}

/**
 * The critic's initial weights: from `critic.model.path` (null = the policy's directory).
 * A causal LM gives its backbone and a zero value head; a one-label seq-cls reward model its
 * backbone and score head. The critic reads the policy's token ids, so the vocabularies must
 * match.
 *
 * @param path `critic.model.path`
 * @param policy the loaded policy
 * @returns the critic's config and weights
 */
export async function initCritic(path: string | null, policy: PolicyModel): Promise<CriticInit> {
  const dir = path === null ? policy.dir : await downloadModel(path);
  const base = dir === policy.dir
    ? { config: policy.config, params: policy.params }
    : await loadModel(dir);
  if (base.config.vocabSize !== policy.config.vocabSize) {
    throw new Error(
      `critic.model.path: ${dir} has a vocabulary of ${base.config.vocabSize}, the policy's has ` +
        `${policy.config.vocabSize}; the critic must read the policy's token ids`,
    );
  }
  if (base.config.task === "seq-cls" && base.config.numLabels !== 1) {
    throw new Error(
      `critic.model.path: ${dir} has ${base.config.numLabels} labels; a critic needs a one-label model`,
    );
  }
  const { config, params } = initValueModel(base.config, base.params);
  return {
    config,
    params,
    source: base.config.task === "seq-cls" ? "reward_model" : "policy",
    dir,
  };
}
