/**
 * The plan printed before any work (and written to `OUT/plan.txt`): verl's batch
 * vocabulary turned into counts (prompts and samples per step, mini-batches, micro-batches,
 * optimizer steps), steps per epoch and in total, which models the run needs, a memory
 * estimate, and the keys that are kit-only or have no meaning on this engine, with values.
 *
 * One device: a `*_per_gpu` size is the kit's micro-batch; global sizes (`train_batch_size`,
 * `ppo_mini_batch_size`) are unchanged, so the optimizer sees the same batches as verl on
 * `n_gpus_per_node * nnodes` GPUs, with that many times the gradient-accumulation steps.
 *
 * @module
 */

import type { ModelConfig } from "../model/config.ts";
import { valueModelConfig } from "../model/value_model.ts";
import { needsCritic, needsReference } from "./config_checks.ts";
import { ConfigError } from "./config_error.ts";
import { KIT_ONLY_KEYS, NO_MEANING_KEYS } from "./config_keys.ts";
import { getPath } from "./config_paths.ts";
import type { TrainerConfig } from "./config_schema.ts";
import { estimateMemory, type MemoryEstimate } from "./plan_memory.ts";

/** How a batch is cut into micro-batches. */
export type MicroBatching =
  | { kind: "count"; samples: number; perBatch: number }
  | { kind: "tokens"; maxTokens: number; why: string };

/** One model's updates per rollout batch. */
export interface UpdatePlan {
  /** Samples per mini-batch (`ppo_mini_batch_size * rollout.n`). */
  miniBatchSamples: number;
  /** Mini-batches per step. */
  miniBatchesPerStep: number;
  /** Micro-batches per mini-batch (gradient accumulation), or the token budget. */
  micro: MicroBatching;
  /** What verl would accumulate per GPU (`miniBatchSamples / gpus / micro`), when counted. */
  verlAccumulationPerGpu: number | null;
  /** `ppo_epochs`. */
  epochs: number;
  /** Optimizer steps per rollout batch: mini-batches x epochs. */
  optimizerStepsPerStep: number;
}

/** A config key and its value, with why it is listed. */
export interface ListedKey {
  key: string;
  value: unknown;
  note: string;
}

/** The plan of a run. */
export interface TrainPlan {
  promptsPerStep: number;
  samplesPerPrompt: number;
  samplesPerStep: number;
  /** Training prompts counted (after `data.train_max_samples`). */
  trainPrompts: number;
  /** `floor(trainPrompts / train_batch_size)`: verl drops the last partial batch. */
  stepsPerEpoch: number;
  /** `trainer.total_training_steps ?? stepsPerEpoch * total_epochs`. */
  totalSteps: number;
  actor: UpdatePlan;
  /** null without a critic. */
  critic: UpdatePlan | null;
  /** Where the critic starts, or null without one. */
  criticInit: { from: "policy" | "path" | "reward-model"; path: string | null } | null;
  /** Forward passes for old/ref log-probs. */
  logProb: MicroBatching;
  needsCritic: boolean;
  needsReference: boolean;
  /** One line on where rewards come from. */
  reward: string;
  /** Bytes by part, or null when no policy config was given. */
  memory: MemoryEstimate | null;
  kitOnly: ListedKey[];
  noMeaning: ListedKey[];
}

/** Options of {@link planOf}. */
export interface PlanOptions {
  /** Training prompts available. */
  trainPrompts: number;
  /** The policy's config (for the memory estimate). @default none: no estimate */
  policy?: ModelConfig;
  /** The critic's config. @default a value model over the policy's backbone */
  critic?: ModelConfig;
  /** The local reward model's config. @default none: not counted */
  rewardModel?: ModelConfig;
}

function microOf(
  samples: number,
  micro: number | null,
  dynamic: boolean,
  maxTokens: number,
): MicroBatching {
  if (dynamic) return { kind: "tokens", maxTokens, why: "use_dynamic_bsz=true" };
  if (micro === null) {
    return {
      kind: "tokens",
      maxTokens,
      why: "micro-batch size is null: packed to the token budget (verl would refuse)",
    };
  }
  return { kind: "count", samples: micro, perBatch: Math.ceil(samples / micro) };
}

function updateOf(
  cfg: TrainerConfig,
  s: TrainerConfig["critic"] | TrainerConfig["actor_rollout_ref"]["actor"],
): UpdatePlan {
  const n = cfg.actor_rollout_ref.rollout.n,
    gpus = cfg.trainer.n_gpus_per_node * cfg.trainer.nnodes;
  const miniBatchSamples = s.ppo_mini_batch_size * n;
  const micro = microOf(
    miniBatchSamples,
    s.ppo_micro_batch_size_per_gpu,
    s.use_dynamic_bsz,
    s.ppo_max_token_len_per_gpu,
  );
  const miniBatchesPerStep = cfg.data.train_batch_size / s.ppo_mini_batch_size;
  return {
    miniBatchSamples,
    miniBatchesPerStep,
    micro,
    verlAccumulationPerGpu: micro.kind === "count" ? miniBatchSamples / gpus / micro.samples : null,
    epochs: s.ppo_epochs,
    optimizerStepsPerStep: miniBatchesPerStep * s.ppo_epochs,
  };
}

function listed(cfg: TrainerConfig, notes: Readonly<Record<string, string>>): ListedKey[] {
  return Object.entries(notes).map(([key, note]) => ({
    key,
    value: getPath(cfg, key.split(".")),
    note,
  }));
}

function rewardLine(cfg: TrainerConfig): string {
  const rm = cfg.reward_model, crf = cfg.custom_reward_function;
  if (rm.enable) {
    const src = rm.endpoint !== null ? `endpoint ${rm.endpoint}` : `model ${rm.model.path}`;
    return `reward model (${src}) through reward_manager ${rm.reward_manager}`;
  }
  if (crf.builtin !== null) {
    return `builtin rule ${crf.builtin} ${JSON.stringify(crf.reward_kwargs)}`;
  }
  if (crf.path !== null) return `custom_reward_function ${crf.path}:${crf.name}`;
  return `default rule reward chosen by data.${cfg.data.reward_fn_key}`;
}

/**
 * Plans a run.
 *
 * @param cfg the resolved config
 * @param options the number of training prompts and, for the memory estimate, the models
 * @returns the plan
 * @throws {ConfigError} naming `data.train_batch_size` when there are fewer prompts than
 *   one batch (verl would run 0 steps)
 */
export function planOf(cfg: TrainerConfig, options: PlanOptions): TrainPlan {
  const { data } = cfg;
  const rollout = cfg.actor_rollout_ref.rollout;
  const max = data.train_max_samples;
  const trainPrompts = max > 0 ? Math.min(max, options.trainPrompts) : options.trainPrompts;
  const stepsPerEpoch = Math.floor(trainPrompts / data.train_batch_size);
  if (stepsPerEpoch === 0) {
    throw new ConfigError(
      "data.train_batch_size",
      `data.train_batch_size (${data.train_batch_size}) is more than the ${trainPrompts} ` +
        `training prompts: verl drops the last partial batch, so it would train 0 steps; ` +
        `lower data.train_batch_size to at most ${trainPrompts} or give more prompts`,
    );
  }
  const critic = needsCritic(cfg), reference = needsReference(cfg);
  const samplesPerStep = data.train_batch_size * rollout.n;
  const actor = updateOf(cfg, cfg.actor_rollout_ref.actor);
  const criticPlan = critic ? updateOf(cfg, cfg.critic) : null;
  let criticInit: TrainPlan["criticInit"] = null;
  if (critic) {
    const path = cfg.critic.model.path;
    const fromRm = path !== null &&
      (path === cfg.reward_model.model.path ||
        (options.critic?.task === "seq-cls" && path !== cfg.actor_rollout_ref.model.path));
    criticInit = path === null
      ? { from: "policy", path: cfg.actor_rollout_ref.model.path }
      : { from: fromRm ? "reward-model" : "path", path };
  }
  const seqLen = data.max_prompt_length + data.max_response_length;
  const tokensOf = (m: MicroBatching) => m.kind === "count" ? m.samples * seqLen : m.maxTokens;
  let memory: MemoryEstimate | null = null;
  if (options.policy) {
    const criticCfg = !critic
      ? null
      : options.critic?.task === "seq-cls"
      ? options.critic
      : valueModelConfig(options.critic ?? options.policy);
    memory = estimateMemory({
      policy: options.policy,
      critic: criticCfg,
      rewardModel: cfg.reward_model.endpoint === null ? options.rewardModel ?? null : null,
      needsReference: reference,
      actorMicroTokens: tokensOf(actor.micro),
      criticMicroTokens: criticPlan ? tokensOf(criticPlan.micro) : 0,
      seqLen,
      rolloutRows: Math.min(rollout.max_num_seqs, samplesPerStep),
    });
  }
  return {
    promptsPerStep: data.train_batch_size,
    samplesPerPrompt: rollout.n,
    samplesPerStep,
    trainPrompts,
    stepsPerEpoch,
    totalSteps: cfg.trainer.total_training_steps ?? stepsPerEpoch * cfg.trainer.total_epochs,
    actor,
    critic: criticPlan,
    criticInit,
    logProb: microOf(
      samplesPerStep,
      rollout.log_prob_micro_batch_size_per_gpu,
      rollout.log_prob_use_dynamic_bsz,
      rollout.log_prob_max_token_len_per_gpu,
    ),
    needsCritic: critic,
    needsReference: reference,
    reward: rewardLine(cfg),
    memory,
    kitOnly: listed(cfg, KIT_ONLY_KEYS),
    noMeaning: listed(cfg, NO_MEANING_KEYS),
  };
}

export { formatPlan } from "./plan_format.ts";
