/**
 * Cross-key checks of a resolved trainer config, run before any work: batch splits (verl's
 * vocabulary: prompts per step, samples per prompt, mini- and micro-batches), estimator
 * requirements, dual-clip, reward sources, and the values the kit cannot honour.
 *
 * @module
 */

import { ConfigError } from "./config_error.ts";
import type { TrainerConfig } from "./config_schema.ts";

/** Estimators that need several samples per prompt (verl asserts it for GRPO). */
const GROUPED = new Set(["grpo", "rloo", "reinforce_plus_plus_baseline"]);

/** Whether the run trains a critic: `critic.enable`, else `adv_estimator == gae` (verl's `need_critic`). */
export function needsCritic(cfg: TrainerConfig): boolean {
  return cfg.critic.enable ?? cfg.algorithm.adv_estimator === "gae";
}

/** Whether the run needs the reference policy: KL in the reward or as a loss (verl's `need_reference_policy`). */
export function needsReference(cfg: TrainerConfig): boolean {
  return cfg.algorithm.use_kl_in_reward || cfg.actor_rollout_ref.actor.use_kl_loss;
}

/** Checks one model's mini/micro split (`role` = `actor_rollout_ref.actor` or `critic`). */
function checkSplit(
  role: string,
  tbs: number,
  n: number,
  s: { ppo_mini_batch_size: number; ppo_micro_batch_size_per_gpu: number | null },
  dynamic: boolean,
) {
  const mini = s.ppo_mini_batch_size;
  if (mini > tbs) {
    throw new ConfigError(
      `${role}.ppo_mini_batch_size`,
      `${role}.ppo_mini_batch_size (${mini}) must be <= data.train_batch_size (${tbs})`,
    );
  }
  if (tbs % mini !== 0) {
    throw new ConfigError(
      `${role}.ppo_mini_batch_size`,
      `data.train_batch_size * rollout.n (${tbs} * ${n} = ${tbs * n}) must be divisible by ` +
        `${role}.ppo_mini_batch_size * rollout.n (${mini} * ${n} = ${mini * n})`,
    );
  }
  const micro = s.ppo_micro_batch_size_per_gpu;
  if (micro !== null && !dynamic && (mini * n) % micro !== 0) {
    throw new ConfigError(
      `${role}.ppo_micro_batch_size_per_gpu`,
      `a mini-batch of ${
        mini * n
      } samples (${role}.ppo_mini_batch_size ${mini} * rollout.n ${n}) ` +
        `must be divisible by ${role}.ppo_micro_batch_size_per_gpu (${micro})`,
    );
  }
}

/** Refuses a value the kit cannot honour, naming the key and what to do instead. */
function refuse(key: string, why: string): never {
  throw new ConfigError(key, `${key}: ${why}`);
}

/**
 * Checks a resolved config for what cannot run.
 *
 * @param cfg the config (already valid against the schema)
 * @throws {ConfigError} naming the first offending key
 */
export function checkConfig(cfg: TrainerConfig): void {
  const { data, algorithm: alg, critic } = cfg;
  const { actor, rollout, model } = cfg.actor_rollout_ref;
  if (data.train_files === null) {
    refuse("data.train_files", "required: a JSONL path, a list of them, or builtin:<name>");
  }
  const n = rollout.n;
  if (GROUPED.has(alg.adv_estimator) && n < 2) {
    refuse(
      "actor_rollout_ref.rollout.n",
      `algorithm.adv_estimator=${alg.adv_estimator} compares samples of one prompt, so ` +
        `rollout.n must be > 1 (got ${n})`,
    );
  }
  checkSplit("actor_rollout_ref.actor", data.train_batch_size, n, actor, actor.use_dynamic_bsz);
  if (needsCritic(cfg)) {
    checkSplit("critic", data.train_batch_size, n, critic, critic.use_dynamic_bsz);
  }
  if (alg.adv_estimator === "gae" && critic.enable === false) {
    refuse("critic.enable", "false, but algorithm.adv_estimator=gae needs the critic's values");
  }
  if (!(actor.clip_ratio_c > 1)) {
    refuse("actor_rollout_ref.actor.clip_ratio_c", `must be > 1 (got ${actor.clip_ratio_c})`);
  }
  if (model.lora_rank > 0) {
    refuse(
      "actor_rollout_ref.model.lora_rank",
      `LoRA is not implemented on this engine (got ${model.lora_rank}); use 0, or export-verl`,
    );
  }
  if (actor.policy_loss.loss_mode !== "vanilla") {
    refuse(
      "actor_rollout_ref.actor.policy_loss.loss_mode",
      `only "vanilla" (PPO clip with dual-clip) is implemented (got "${actor.policy_loss.loss_mode}")`,
    );
  }
  for (
    const [key, v] of [
      ["actor_rollout_ref.actor.kl_loss_type", actor.kl_loss_type],
      ["algorithm.kl_penalty", alg.kl_penalty],
    ] as const
  ) {
    if (v === "full") refuse(key, `"full" (vocabulary-wide KL) is not implemented; use k1/k2/k3`);
  }
  const crf = cfg.custom_reward_function;
  if (crf.path !== null) {
    refuse(
      "custom_reward_function.path",
      `${crf.path}: Python reward functions run in verl, not on this engine; use ` +
        `custom_reward_function.builtin, or run it under verl (export-verl)`,
    );
  }
  const rm = cfg.reward_model;
  if (rm.enable && rm.model.path === null && rm.endpoint === null) {
    refuse(
      "reward_model.enable",
      "true, but neither reward_model.model.path nor reward_model.endpoint is set",
    );
  }
  if (rm.endpoint_token_env !== null && rm.endpoint === null) {
    refuse("reward_model.endpoint_token_env", "set without reward_model.endpoint");
  }
  if (rm.reward_manager === "style_mix" && !rm.enable) {
    refuse(
      "reward_model.reward_manager",
      "style_mix mixes the reward model's score with style terms, but reward_model.enable is false",
    );
  }
  if (cfg.trainer.resume_mode === "resume_path" && cfg.trainer.resume_from_path === null) {
    refuse("trainer.resume_from_path", "required when trainer.resume_mode=resume_path");
  }
}
