/**
 * The trainer config: one nested plain object whose keys are verl's, literally
 * (`cfg.data.train_batch_size`, `cfg.actor_rollout_ref.actor.optim.lr`,
 * `cfg.algorithm.kl_ctrl.kl_coef`), so a verl run's Hydra overrides and configs move to
 * the kit and back. Defaults are verl's (`verl/trainer/config/_generated_ppo_trainer.yaml`
 * at b178a3c) unless a comment says why the kit differs; keys without a verl counterpart
 * live under `kit.*`. Which keys have no meaning on this engine, which are kit-only and
 * which inherit another key's value is in `config_keys.ts`.
 *
 * This file is only the schema: {@link trainerConfigSchema}, the inferred
 * {@link TrainerConfig}, and {@link TRAINER_DEFAULTS}. Cross-key checks are in
 * `config_checks.ts`, layering in `config.ts`.
 *
 * @module
 */

import { z } from "zod";
import { DEFAULT_STYLE_MIX } from "../reward/style_mix.ts";
import { KL_LOSS_TYPES } from "./kl_types.ts";

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const unit = z.number().min(0).max(1);
/** verl's `top_k`: -1 (or 0) disables it. */
const topK = z.number().int().min(-1);

/** Loss aggregation modes (`core_algos.agg_loss`). */
export const LOSS_AGG_MODES = [
  "token-mean",
  "seq-mean-token-sum",
  "seq-mean-token-mean",
  "seq-mean-token-sum-norm",
] as const;

/** KL estimators (`core_algos.kl_penalty`); a trailing `+` uses the k2 gradient (straight-through). */
export const KL_TYPES = [...KL_LOSS_TYPES, "full"] as const;

/** Advantage estimators the kit implements (verl's `algorithm.adv_estimator` names). */
export const ADV_ESTIMATORS = [
  "gae",
  "grpo",
  "rloo",
  "reinforce_plus_plus",
  "reinforce_plus_plus_baseline",
] as const;

const optimSchema = z.strictObject({
  lr: z.number().nonnegative(),
  weight_decay: z.number().nonnegative(),
  betas: z.tuple([unit, unit]),
  /** Warmup steps; null, 0 or negative delegate to `lr_warmup_steps_ratio` (verl). */
  lr_warmup_steps: z.number().int().nullable(),
  lr_warmup_steps_ratio: unit,
  /** Deprecated in verl in favour of `lr_scheduler_type`; when set it wins, as in verl. */
  warmup_style: z.enum(["constant", "cosine"]).nullable(),
  lr_scheduler_type: z.enum(["constant", "cosine"]),
  min_lr_ratio: unit,
  num_cycles: z.number().nonnegative(),
});

const fsdpSchema = z.strictObject({ param_offload: z.boolean(), optimizer_offload: z.boolean() });

const samplingSchema = z.strictObject({
  temperature: z.number().nonnegative(),
  top_p: z.number().gt(0).max(1),
  top_k: topK,
  n: posInt,
  do_sample: z.boolean(),
});

const strategy = z.enum(["fsdp", "fsdp2"]);

/** The zod schema of the whole config (strict: unknown keys are errors). */
export const trainerConfigSchema = z.strictObject({
  data: z.strictObject({
    /** A JSONL path (verl's RL schema), a list of them, or `builtin:<name>`. Required. */
    train_files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).nullable(),
    val_files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).nullable(),
    train_batch_size: posInt,
    val_batch_size: posInt.nullable(),
    max_prompt_length: posInt,
    max_response_length: posInt,
    filter_overlong_prompts: z.boolean(),
    truncation: z.enum(["error", "left", "right", "middle"]),
    return_raw_chat: z.boolean(),
    shuffle: z.boolean(),
    seed: z.number().int().nullable(),
    prompt_key: z.string().min(1),
    reward_fn_key: z.string().min(1),
    train_max_samples: z.number().int().min(-1),
    val_max_samples: z.number().int().min(-1),
  }),
  actor_rollout_ref: z.strictObject({
    model: z.strictObject({
      /** HF directory or hub id; null = a tiny random model made by the trainer. */
      path: z.string().min(1).nullable(),
      use_remove_padding: z.boolean(),
      enable_gradient_checkpointing: z.boolean(),
      lora_rank: nonNegInt,
      trust_remote_code: z.boolean(),
    }),
    actor: z.strictObject({
      strategy,
      ppo_mini_batch_size: posInt,
      ppo_micro_batch_size_per_gpu: posInt.nullable(),
      use_dynamic_bsz: z.boolean(),
      ppo_max_token_len_per_gpu: posInt,
      grad_clip: z.number().positive(),
      clip_ratio: z.number().positive(),
      clip_ratio_low: z.number().positive(),
      clip_ratio_high: z.number().positive(),
      clip_ratio_c: z.number(),
      loss_agg_mode: z.enum(LOSS_AGG_MODES),
      entropy_coeff: z.number(),
      use_kl_loss: z.boolean(),
      kl_loss_coef: z.number().nonnegative(),
      kl_loss_type: z.enum(KL_TYPES),
      ppo_epochs: posInt,
      shuffle: z.boolean(),
      policy_loss: z.strictObject({ loss_mode: z.string().min(1) }),
      optim: optimSchema,
      fsdp_config: fsdpSchema,
      ulysses_sequence_parallel_size: posInt,
    }),
    ref: z.strictObject({
      log_prob_micro_batch_size_per_gpu: posInt.nullable(),
      log_prob_use_dynamic_bsz: z.boolean(),
      log_prob_max_token_len_per_gpu: posInt,
      fsdp_config: z.strictObject({ param_offload: z.boolean() }),
    }),
    rollout: z.strictObject({
      name: z.string().min(1).nullable(),
      n: posInt,
      temperature: z.number().nonnegative(),
      top_p: z.number().gt(0).max(1),
      top_k: topK,
      do_sample: z.boolean(),
      ignore_eos: z.boolean(),
      tensor_model_parallel_size: posInt,
      gpu_memory_utilization: z.number().gt(0).max(1),
      log_prob_micro_batch_size_per_gpu: posInt.nullable(),
      log_prob_use_dynamic_bsz: z.boolean(),
      log_prob_max_token_len_per_gpu: posInt,
      enforce_eager: z.boolean(),
      free_cache_engine: z.boolean(),
      max_num_batched_tokens: posInt,
      max_num_seqs: posInt,
      val_kwargs: samplingSchema,
    }),
  }),
  critic: z.strictObject({
    /** null = from adv_estimator (gae needs one), as verl's `need_critic`. */
    enable: z.boolean().nullable(),
    strategy,
    optim: optimSchema,
    model: z.strictObject({
      /** null = the policy's path; a seq-cls reward model's path = initialise from the RM. */
      path: z.string().min(1).nullable(),
      use_remove_padding: z.boolean(),
      enable_gradient_checkpointing: z.boolean(),
      fsdp_config: fsdpSchema,
    }),
    ppo_mini_batch_size: posInt,
    ppo_micro_batch_size_per_gpu: posInt.nullable(),
    use_dynamic_bsz: z.boolean(),
    ppo_max_token_len_per_gpu: posInt,
    ppo_epochs: posInt,
    shuffle: z.boolean(),
    grad_clip: z.number().positive(),
    cliprange_value: z.number().positive(),
    loss_agg_mode: z.enum(LOSS_AGG_MODES),
  }),
  reward_model: z.strictObject({
    enable: z.boolean(),
    reward_manager: z.enum(["naive", "style_mix"]),
    model: z.strictObject({
      path: z.string().min(1).nullable(),
      input_tokenizer: z.string().nullable(),
      use_remove_padding: z.boolean(),
      fsdp_config: z.strictObject({ param_offload: z.boolean() }),
    }),
    /** null -> 8. */
    micro_batch_size_per_gpu: posInt.nullable(),
    max_length: posInt.nullable(),
    endpoint: z.string().min(1).nullable(),
    endpoint_token_env: z.string().min(1).nullable(),
    on_error: z.enum(["stop", "zero"]),
    style_mix: z.strictObject({
      rm_weight: z.number(),
      no_stop_penalty: z.number(),
      repetition_penalty: z.number(),
      repetition_ngram: posInt,
      length_target: posInt.nullable(),
      length_penalty: z.number(),
      empty_penalty: z.number(),
      clean_stop_bonus: z.number(),
    }),
  }),
  custom_reward_function: z.strictObject({
    path: z.string().min(1).nullable(),
    name: z.string().min(1),
    reward_kwargs: z.record(z.string(), z.unknown()),
    builtin: z.string().min(1).nullable(),
  }),
  algorithm: z.strictObject({
    adv_estimator: z.enum(ADV_ESTIMATORS),
    gamma: unit,
    lam: unit,
    norm_adv_by_std_in_grpo: z.boolean(),
    use_kl_in_reward: z.boolean(),
    kl_penalty: z.enum(KL_TYPES),
    kl_ctrl: z.strictObject({
      type: z.enum(["fixed", "adaptive"]),
      kl_coef: z.number().nonnegative(),
      horizon: posInt,
      target_kl: z.number().positive(),
    }),
  }),
  trainer: z.strictObject({
    total_epochs: posInt,
    total_training_steps: posInt.nullable(),
    project_name: z.string(),
    experiment_name: z.string(),
    logger: z.union([z.string(), z.array(z.string())]),
    log_val_generations: nonNegInt,
    nnodes: posInt,
    n_gpus_per_node: posInt,
    /** -1 = never (the last step is still saved). */
    save_freq: z.number().int().min(-1),
    /** -1 = never. */
    test_freq: z.number().int().min(-1),
    critic_warmup: nonNegInt,
    val_before_train: z.boolean(),
    default_local_dir: z.string().nullable(),
    /** Actor (policy/) checkpoints kept, newest first; null = every one. */
    max_actor_ckpt_to_keep: posInt.nullable(),
    /** Critic (critic/) checkpoints kept, newest first; null = every one. */
    max_critic_ckpt_to_keep: posInt.nullable(),
    resume_mode: z.enum(["auto", "disable", "resume_path"]),
    resume_from_path: z.string().min(1).nullable(),
    use_legacy_worker_impl: z.enum(["auto", "enable", "disable"]),
    device: z.string().min(1),
    balance_batch: z.boolean(),
  }),
  kit: z.strictObject({
    seed: z.number().int(),
    threads: nonNegInt,
    max_logprob_drift: z.number().positive().nullable(),
    samples_per_step: nonNegInt.nullable(),
    val_prompts: nonNegInt,
  }),
});

/** The resolved trainer config (what `resolveConfig` returns, frozen). */
export type TrainerConfig = z.infer<typeof trainerConfigSchema>;

/** A partial config: any subset of keys at any depth (presets, JSON files). */
export type ConfigDelta<T = TrainerConfig> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K]
    : T[K] extends Record<string, unknown> ? ConfigDelta<T[K]>
    : T[K];
};

const optimDefaults = {
  lr: 1e-6,
  weight_decay: 0.01,
  betas: [0.9, 0.999] as [number, number],
  lr_warmup_steps: -1,
  lr_warmup_steps_ratio: 0,
  warmup_style: null,
  lr_scheduler_type: "constant",
  min_lr_ratio: 0,
  num_cycles: 0.5,
} satisfies TrainerConfig["critic"]["optim"];

/** verl's defaults (and the kit's for `kit.*`). */
export const TRAINER_DEFAULTS: TrainerConfig = {
  data: {
    // verl's default is an example gsm8k parquet; the kit has no implicit data set.
    train_files: null,
    val_files: null,
    train_batch_size: 1024,
    val_batch_size: null,
    max_prompt_length: 512,
    max_response_length: 512,
    filter_overlong_prompts: false,
    truncation: "error",
    return_raw_chat: true,
    shuffle: true,
    seed: null,
    prompt_key: "prompt",
    reward_fn_key: "data_source",
    train_max_samples: -1,
    val_max_samples: -1,
  },
  actor_rollout_ref: {
    model: {
      // verl's default is an example checkpoint path; null = a tiny random model.
      path: null,
      use_remove_padding: true,
      enable_gradient_checkpointing: true,
      lora_rank: 0,
      trust_remote_code: false,
    },
    actor: {
      strategy: "fsdp",
      ppo_mini_batch_size: 256,
      ppo_micro_batch_size_per_gpu: null,
      use_dynamic_bsz: false,
      ppo_max_token_len_per_gpu: 16384,
      grad_clip: 1.0,
      clip_ratio: 0.2,
      clip_ratio_low: 0.2,
      clip_ratio_high: 0.2,
      clip_ratio_c: 3.0,
      loss_agg_mode: "token-mean",
      entropy_coeff: 0,
      use_kl_loss: false,
      kl_loss_coef: 0.001,
      kl_loss_type: "low_var_kl",
      ppo_epochs: 1,
      shuffle: false,
      policy_loss: { loss_mode: "vanilla" },
      optim: { ...optimDefaults },
      fsdp_config: { param_offload: false, optimizer_offload: false },
      ulysses_sequence_parallel_size: 1,
    },
    ref: {
      log_prob_micro_batch_size_per_gpu: null,
      // inherits actor.use_dynamic_bsz unless set (verl's oc.select)
      log_prob_use_dynamic_bsz: false,
      // inherits actor.ppo_max_token_len_per_gpu unless set
      log_prob_max_token_len_per_gpu: 16384,
      fsdp_config: { param_offload: false },
    },
    rollout: {
      // verl requires it (`???`); it names verl's inference engine, which the kit replaces.
      name: null,
      n: 1,
      temperature: 1.0,
      top_p: 1,
      top_k: -1,
      do_sample: true,
      ignore_eos: false,
      tensor_model_parallel_size: 2,
      gpu_memory_utilization: 0.5,
      log_prob_micro_batch_size_per_gpu: null,
      // inherit the actor's use_dynamic_bsz / ppo_max_token_len_per_gpu unless set
      log_prob_use_dynamic_bsz: false,
      log_prob_max_token_len_per_gpu: 16384,
      enforce_eager: false,
      free_cache_engine: true,
      max_num_batched_tokens: 8192,
      max_num_seqs: 256,
      val_kwargs: { temperature: 0, top_p: 1.0, top_k: -1, n: 1, do_sample: false },
    },
  },
  critic: {
    enable: null,
    strategy: "fsdp",
    optim: { ...optimDefaults, lr: 1e-5 },
    model: {
      // verl's default is an example path; null = the policy's path (verl's examples use the SFT model).
      path: null,
      use_remove_padding: false,
      enable_gradient_checkpointing: true,
      fsdp_config: { param_offload: false, optimizer_offload: false },
    },
    // ppo_mini_batch_size, use_dynamic_bsz, ppo_epochs, shuffle and loss_agg_mode inherit the
    // actor's value unless set (verl's oc.select); see INHERITED_KEYS.
    ppo_mini_batch_size: 256,
    ppo_micro_batch_size_per_gpu: null,
    use_dynamic_bsz: false,
    ppo_max_token_len_per_gpu: 32768,
    ppo_epochs: 1,
    shuffle: false,
    grad_clip: 1.0,
    cliprange_value: 0.5,
    loss_agg_mode: "token-mean",
  },
  reward_model: {
    enable: false,
    reward_manager: "naive",
    model: {
      path: null,
      input_tokenizer: null,
      use_remove_padding: false,
      fsdp_config: { param_offload: false },
    },
    micro_batch_size_per_gpu: null,
    max_length: null,
    endpoint: null,
    endpoint_token_env: null,
    on_error: "stop",
    style_mix: { ...DEFAULT_STYLE_MIX }, // the reward module owns the style terms' defaults
  },
  custom_reward_function: { path: null, name: "compute_score", reward_kwargs: {}, builtin: null },
  algorithm: {
    adv_estimator: "gae",
    gamma: 1.0,
    lam: 1.0,
    norm_adv_by_std_in_grpo: true,
    use_kl_in_reward: false,
    kl_penalty: "kl",
    kl_ctrl: { type: "fixed", kl_coef: 0.001, horizon: 10000, target_kl: 0.1 },
  },
  trainer: {
    total_epochs: 30,
    total_training_steps: null,
    project_name: "verl_examples",
    experiment_name: "gsm8k",
    logger: ["console", "wandb"],
    log_val_generations: 0,
    nnodes: 1,
    n_gpus_per_node: 8,
    save_freq: -1,
    test_freq: -1,
    critic_warmup: 0,
    val_before_train: true,
    // verl: checkpoints/${project_name}/${experiment_name}; the kit writes OUT/checkpoints.
    default_local_dir: null,
    max_actor_ckpt_to_keep: null,
    max_critic_ckpt_to_keep: null,
    resume_mode: "auto",
    resume_from_path: null,
    use_legacy_worker_impl: "auto",
    device: "cuda",
    balance_batch: true,
  },
  kit: {
    // rollout sampling seed; step k samples with a stream derived from (seed, k)
    seed: 1,
    // onnxruntime intra-op threads; 0 = all cores
    threads: 0,
    // Mean |rollout - train| token logprob allowed before the step fails. Both sides run the
    // same fp32 weights here, so a correct step disagrees by ~1e-4 (KV-cache decode vs full
    // forward); a misaligned position, a missed temperature or a stale weight swap gives
    // 0.1 or more. 0.05 sits between the two and leaves room for reduced-precision GPU
    // providers (bf16 engines disagree by ~1e-2, verl #2996). null disables the check.
    max_logprob_drift: 0.05,
    // rows written to samples/step-N.jsonl; null = all
    samples_per_step: null,
    // held-out prompts for the periodic validation reward when data.val_files is null
    val_prompts: 32,
  },
};
