/**
 * The profiles of `deno task reproduce`: which policy and reward model it evaluates, and the
 * default evaluation budget of each.
 *
 * - `toy` (default): a tiny Qwen3-architecture causal LM and a tiny Qwen3 sequence-
 *   classification reward model with the byte-level tokenizer, random-initialised from fixed
 *   seeds and written (once) into the run directory. Fits a 2-core CPU in minutes.
 * - `qwen3-0.6b`: Qwen/Qwen3-0.6B-Base + Skywork/Skywork-Reward-V2-Qwen3-0.6B from the hub.
 * - `paper`: Qwen/Qwen3-4B-Base + Skywork/Skywork-Reward-V2-Llama-3.1-8B (the paper's RM).
 *
 * @module
 */

import { join } from "node:path";
import { defineModelConfig, type ModelConfig } from "../lib/model/config.ts";
import { downloadModel } from "../lib/model/hub.ts";
import { ensureTinyModel } from "../lib/model/tiny_dir.ts";
import { BYTE_LEVEL_VOCAB_SIZE } from "../lib/tokenizer/mod.ts";

/** Profile names. */
export const PROFILES = ["toy", "qwen3-0.6b", "paper"] as const;

/** A profile name. */
export type ProfileName = typeof PROFILES[number];

/** What a profile evaluates and how much. */
export interface Profile {
  name: ProfileName;
  /** One line for the output. */
  description: string;
  /** What the numbers mean, printed under the table (null: nothing to add). */
  note: string | null;
  /** Default tasks per suite (null: the whole suite). */
  limit: number | null;
  /** Default most new tokens per response. */
  maxTokens: number;
  /** Longest sequence the reward model scores (longer pairs are cut in the response). */
  rmMaxLength: number;
  /**
   * Makes the models available: creates or reuses the toy models in the run directory, or
   * downloads hub models into the hub cache (not the policy when `policy` is false: it is
   * served elsewhere). Returns the policy directory (or hub id) and the reward model directory.
   */
  prepare(
    runDir: string,
    options?: { policy?: boolean; log?: (line: string) => void },
  ): Promise<{ model: string; rewardModel: string; modelName: string; rmName: string }>;
}

const BYTE = { padTokenId: 256, eosTokenId: [258] };

/** The toy model shape: Qwen3 architecture, byte-level vocabulary, 2 layers of width 64. */
const TOY_SHAPE = {
  arch: "qwen3",
  hiddenSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 16,
  intermediateSize: 192,
  vocabSize: BYTE_LEVEL_VOCAB_SIZE,
  ropeTheta: 1e6,
  maxPositionEmbeddings: 32768,
  ...BYTE,
} as const;

/** The toy policy: the toy shape with tied embeddings. */
export function toyPolicyConfig(): ModelConfig {
  return defineModelConfig({ ...TOY_SHAPE, tieWordEmbeddings: true });
}

/** The toy reward model: the same shape with a scalar `score` head. */
export function toyRewardConfig(): ModelConfig {
  return defineModelConfig({ ...TOY_SHAPE, task: "seq-cls" });
}

/** Seeds of the toy models (fixed: the same run directory content on every machine). */
export const TOY_SEEDS = { policy: 1, rewardModel: 2 } as const;

const toy: Profile = {
  name: "toy",
  description:
    "tiny random Qwen3 (2 layers, width 64, byte-level tokenizer) + tiny random Qwen3 seq-cls RM",
  note: "The toy models are random-initialised (not pre-trained yet): expect math and code " +
    "near 0, and read the chat win rate as a random reward model's preference. The numbers " +
    "exercise the whole pipeline (sampler, graders, sandbox, RM scoring), not a capability.",
  limit: 10,
  maxTokens: 32,
  rmMaxLength: 1024,
  async prepare(runDir, options = {}) {
    const model = join(runDir, "model");
    const rewardModel = join(runDir, "reward-model");
    const log = options.log ?? ((l: string) => console.error(l));
    await ensureTinyModel(model, toyPolicyConfig(), TOY_SEEDS.policy, log);
    await ensureTinyModel(rewardModel, toyRewardConfig(), TOY_SEEDS.rewardModel, log);
    return { model, rewardModel, modelName: "toy-qwen3-tiny", rmName: "toy-qwen3-rm-tiny" };
  },
};

function hubProfile(
  name: ProfileName,
  policy: string,
  rm: string,
  description: string,
  limit: number | null,
): Profile {
  return {
    name,
    description,
    note: null,
    limit,
    maxTokens: 3072,
    rmMaxLength: 16384,
    async prepare(_runDir, options = {}) {
      const model = options.policy === false ? policy : await downloadModel(policy);
      const rewardModel = await downloadModel(rm);
      return { model, rewardModel, modelName: policy, rmName: rm };
    },
  };
}

const PROFILE_TABLE: Record<ProfileName, Profile> = {
  toy,
  "qwen3-0.6b": hubProfile(
    "qwen3-0.6b",
    "Qwen/Qwen3-0.6B-Base",
    "Skywork/Skywork-Reward-V2-Qwen3-0.6B",
    "Qwen3-0.6B-Base + Skywork-Reward-V2-Qwen3-0.6B (hub download)",
    100,
  ),
  paper: hubProfile(
    "paper",
    "Qwen/Qwen3-4B-Base",
    "Skywork/Skywork-Reward-V2-Llama-3.1-8B",
    "Qwen3-4B-Base + Skywork-Reward-V2-Llama-3.1-8B, the paper's models (hub download)",
    null,
  ),
};

/**
 * Looks up a profile.
 *
 * @param name `toy`, `qwen3-0.6b` or `paper`
 * @returns the profile
 * @throws naming the known profiles
 */
export function getProfile(name: string): Profile {
  if (!(PROFILES as readonly string[]).includes(name)) {
    throw new Error(`unknown profile "${name}"; known: ${PROFILES.join(", ")}`);
  }
  return PROFILE_TABLE[name as ProfileName];
}
