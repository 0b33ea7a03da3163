/**
 * The memory estimate printed in the plan, in bytes, from the models' configs: every
 * tensor is float32 on this engine (4 B).
 *
 * - trained model (policy, critic): parameters + gradients + 2 AdamW moments = 16 B/param
 * - rollout copy of the policy: the decode session holds the weights as initializers, 4 B/param
 * - reference model (only with KL) and reward model (when local): 4 B/param
 * - activations of one micro-batch of `tokens` tokens (sequence length `T`), per layer:
 *   `4H` (two residual inputs, two norm outputs) + `2q + 2kv` (q, k, v, attention output) +
 *   `3I` (gate, up, silu(gate)*up) floats per token, plus `heads * T` attention probabilities
 *   per token (an upper bound: kept for the backward pass); plus logits-sized tensors
 *   `tokens * vocab * 3` (logits, log-softmax, their gradient) for the policy
 * - KV cache of the rollout: `rows * T * layers * 2 * kvHeads * headDim` floats, rows =
 *   `min(rollout.max_num_seqs, samples per step)`
 *
 * @module
 */

import type { ModelConfig } from "../model/config.ts";
import { parameterSpecs } from "../model/params.ts";

const F32 = 4;
/** Bytes per trained parameter: value, gradient, AdamW m and v. */
export const TRAIN_BYTES_PER_PARAM = 4 * F32;
/** Logits-sized float tensors per token kept by the policy's loss (logits, log-softmax, gradient). */
export const LOGITS_TENSORS = 3;

/** The estimate, by part (bytes). */
export interface MemoryEstimate {
  /** Policy parameters + gradients + AdamW moments. */
  policy: number;
  /** The decode session's copy of the policy weights. */
  rolloutWeights: number;
  /** Critic parameters + gradients + AdamW moments (0 without a critic). */
  critic: number;
  /** Reference policy weights (0 without KL). */
  reference: number;
  /** Local reward model weights (0 without one, or when scored through an endpoint). */
  rewardModel: number;
  /** Saved activations of the largest micro-batch (actor or critic). */
  activations: number;
  /** The rollout's KV cache. */
  kvCache: number;
  /** The sum. */
  total: number;
}

/**
 * Counts a model's parameters.
 *
 * @param config the model config
 * @returns the number of parameters
 */
export function parameterCount(config: ModelConfig): number {
  return parameterSpecs(config).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Saved activation bytes of one micro-batch through a model.
 *
 * @param config the model config
 * @param tokens tokens in the micro-batch (padded)
 * @param seqLen sequence length (prompt + response)
 * @param logits whether logits-sized tensors are kept (policy), not a scalar head (critic)
 * @returns bytes
 */
export function activationBytes(
  config: ModelConfig,
  tokens: number,
  seqLen: number,
  logits: boolean,
): number {
  const H = config.hiddenSize, I = config.intermediateSize;
  const q = config.numAttentionHeads * config.headDim;
  const kv = config.numKeyValueHeads * config.headDim;
  const perTokenLayer = 4 * H + 2 * q + 2 * kv + 3 * I + config.numAttentionHeads * seqLen;
  const body = tokens * perTokenLayer * config.numHiddenLayers * F32;
  return body + (logits ? tokens * config.vocabSize * LOGITS_TENSORS * F32 : 0);
}

/**
 * KV-cache bytes of a rollout.
 *
 * @param config the policy config
 * @param rows sequences decoded together
 * @param seqLen prompt + response tokens
 * @returns bytes
 */
export function kvCacheBytes(config: ModelConfig, rows: number, seqLen: number): number {
  return rows * seqLen * config.numHiddenLayers * 2 * config.numKeyValueHeads * config.headDim *
    F32;
}

/** What {@link estimateMemory} needs. */
export interface MemoryInputs {
  policy: ModelConfig;
  /** The critic's config (seq-cls, one label), or null without a critic. */
  critic: ModelConfig | null;
  /** The local reward model's config, or null. */
  rewardModel: ModelConfig | null;
  needsReference: boolean;
  /** Tokens of the actor's and the critic's largest micro-batch. */
  actorMicroTokens: number;
  criticMicroTokens: number;
  seqLen: number;
  rolloutRows: number;
}

/**
 * Estimates the bytes a step holds at its peak (all parts counted as resident together).
 *
 * @param m the models and batch shapes
 * @returns the estimate by part
 */
export function estimateMemory(m: MemoryInputs): MemoryEstimate {
  const p = parameterCount(m.policy);
  const policy = p * TRAIN_BYTES_PER_PARAM;
  const rolloutWeights = p * F32;
  const critic = m.critic ? parameterCount(m.critic) * TRAIN_BYTES_PER_PARAM : 0;
  const reference = m.needsReference ? p * F32 : 0;
  const rewardModel = m.rewardModel ? parameterCount(m.rewardModel) * F32 : 0;
  const activations = Math.max(
    activationBytes(m.policy, m.actorMicroTokens, m.seqLen, true),
    m.critic ? activationBytes(m.critic, m.criticMicroTokens, m.seqLen, false) : 0,
  );
  const kvCache = kvCacheBytes(m.policy, m.rolloutRows, m.seqLen);
  const total = policy + rolloutWeights + critic + reference + rewardModel + activations +
    kvCache;
  return { policy, rolloutWeights, critic, reference, rewardModel, activations, kvCache, total };
}
