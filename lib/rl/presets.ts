/**
 * Run presets as delta objects over verl's defaults, nanoGPT style: each lists only what it
 * changes, with the reason. `grlo-paper` is the GRLO release's launcher (github
 * SJY8460/GRLO `train.sh` @353c180be4c9) value for value; `smoke` is a run small enough
 * for a 2-core CPU in a test.
 *
 * @module
 */

import { ConfigError } from "./config_error.ts";
import type { ConfigDelta } from "./config_schema.ts";

/** A named delta over the defaults. */
export interface Preset {
  /** The name given to `--preset`. */
  name: string;
  /** One line for listings. */
  summary: string;
  /** What it changes. */
  delta: ConfigDelta;
  /** Keys the user must still give (checked after all layers). */
  requires: readonly string[];
}

/** GRLO's train.sh: PPO + GAE with a critic, no KL, Skywork RM through style_mix. */
const GRLO_PAPER: Preset = {
  name: "grlo-paper",
  summary: "the GRLO release's train.sh (PPO+GAE, critic, no KL, Skywork RM, 15 epochs)",
  requires: ["data.train_files", "actor_rollout_ref.model.path"],
  delta: {
    algorithm: {
      adv_estimator: "gae", // train.sh: PPO with a critic (the paper's main recipe)
      use_kl_in_reward: false, // train.sh: no KL at all, from a base model
    },
    data: {
      train_batch_size: 1024, // train.sh: 1024 prompts per step
      max_prompt_length: 1024, // train.sh
      max_response_length: 3072, // train.sh: room for long open-ended answers
      filter_overlong_prompts: true, // train.sh: drop prompts over 1024 tokens
      truncation: "error", // train.sh
      return_raw_chat: true, // train.sh (verl needs the raw chat for the RM's template)
    },
    actor_rollout_ref: {
      model: {
        path: null, // train.sh has a <model> placeholder: the user must give it
        use_remove_padding: true, // train.sh (no meaning here)
        enable_gradient_checkpointing: true, // train.sh (no meaning here)
      },
      actor: {
        optim: { lr: 1e-6 }, // train.sh
        ppo_mini_batch_size: 256, // train.sh: 4 optimizer steps per rollout batch
        ppo_micro_batch_size_per_gpu: 16, // train.sh: per-GPU micro-batch
        fsdp_config: { param_offload: false, optimizer_offload: false }, // train.sh
        use_kl_loss: false, // train.sh: no KL loss either
      },
      rollout: {
        log_prob_micro_batch_size_per_gpu: 32, // train.sh
        tensor_model_parallel_size: 1, // train.sh (no meaning here)
        name: "vllm", // train.sh (no meaning here)
        gpu_memory_utilization: 0.7, // train.sh (no meaning here)
      },
    },
    critic: {
      optim: { lr: 1e-5 }, // train.sh: critic learns 10x faster than the actor
      model: {
        path: null, // train.sh: the same <model> as the policy (null = the policy's path)
        use_remove_padding: true, // train.sh
        enable_gradient_checkpointing: true, // train.sh
        fsdp_config: { param_offload: false, optimizer_offload: false }, // train.sh
      },
      ppo_micro_batch_size_per_gpu: 32, // train.sh
    },
    reward_model: {
      enable: true, // train.sh: a learned reward model
      reward_manager: "style_mix", // train.sh: RM score mixed with style terms
      model: {
        path: "Skywork/Skywork-Reward-V2-Llama-3.1-8B", // train.sh
        use_remove_padding: true, // train.sh
        fsdp_config: { param_offload: true }, // train.sh
      },
      micro_batch_size_per_gpu: 32, // train.sh
    },
    trainer: {
      critic_warmup: 0, // train.sh: actor updates from step 1
      logger: ["console"], // train.sh
      project_name: "llama-3.2-3b-base-ppo-test", // train.sh
      experiment_name: "llama-3.2-3b-base-ppo-test", // train.sh
      n_gpus_per_node: 4, // train.sh: 4 GPUs (no meaning here)
      nnodes: 1, // train.sh
      save_freq: 200, // train.sh
      test_freq: 7, // train.sh
      use_legacy_worker_impl: "auto", // train.sh
      total_epochs: 15, // train.sh
    },
  },
};

/** A tiny run made on the fly: random policy, builtin prompts, a rule reward. */
const SMOKE: Preset = {
  name: "smoke",
  summary: "a tiny random model, builtin prompts and a rule reward (seconds on a CPU)",
  requires: [],
  delta: {
    data: {
      train_files: "builtin:smoke", // shipped prompts, no download
      val_files: "builtin:smoke-val", // held-out topics for the validation reward
      train_batch_size: 8, // 8 prompts per step
      max_prompt_length: 64, // builtin prompts under the chat template are 35-55 byte tokens
      max_response_length: 16, // enough to see the reward move
    },
    actor_rollout_ref: {
      model: { path: null }, // the trainer creates a tiny random model
      actor: {
        optim: { lr: 1e-2 }, // tiny random model: measured, the char_fraction reward goes 0 -> ~0.5 in 12 steps for every estimator
        ppo_mini_batch_size: 4, // 2 mini-batches per step: exercises several optimizer steps
        ppo_micro_batch_size_per_gpu: 8, // 2 micro-batches per mini-batch: exercises accumulation
      },
      rollout: {
        n: 4, // 4 samples per prompt (also lets grpo/rloo run with only this change)
        log_prob_micro_batch_size_per_gpu: 16, // 2 forward chunks per step
      },
    },
    critic: {
      optim: { lr: 1e-2 }, // as the actor: the value head starts at zero
      ppo_micro_batch_size_per_gpu: 8, // as the actor
    },
    custom_reward_function: {
      builtin: "char_fraction", // rule reward: fraction of response characters equal to target
      reward_kwargs: { target: "a" }, // easy for a random model to learn
    },
    trainer: {
      total_training_steps: 12, // ~15 s on 2 cores
      save_freq: 4, // mid-run checkpoints to resume from
      test_freq: 4, // mid-run validations
      logger: ["console"], // no wandb
      n_gpus_per_node: 1, // one device, so the printed plan reads plainly
      project_name: "grlo-kit",
      experiment_name: "smoke",
    },
    kit: { val_prompts: 4 }, // builtin:smoke is small
  },
};

/**
 * GRLO in miniature on the toy world (`deno task reproduce`): PPO + GAE with a critic from the
 * policy, the toy reward model through style_mix, no KL — the paper's recipe at toy scale. The
 * pipeline sets the model, reward-model and data paths.
 */
const TOY_GRLO: Preset = {
  name: "toy-grlo",
  summary: "GRLO on the toy world: PPO+GAE, critic, toy RM via style_mix, open-ended prompts",
  requires: ["data.train_files", "actor_rollout_ref.model.path", "reward_model.model.path"],
  delta: {
    algorithm: { adv_estimator: "gae", use_kl_in_reward: false }, // as train.sh
    data: {
      train_batch_size: 16, // 16 prompts x 4 samples: a 2-core step of a few seconds
      max_prompt_length: 256, // toy prompts under the chat template stay well below
      max_response_length: 96, // room to answer and stop; the base model rambles past it
      filter_overlong_prompts: true, // as train.sh
    },
    actor_rollout_ref: {
      actor: {
        optim: { lr: 3e-4 }, // a pre-trained toy model: far above the paper's 1e-6 for 4B
        ppo_mini_batch_size: 8, // 2 optimizer steps per rollout batch
        ppo_micro_batch_size_per_gpu: 32, // one micro-batch per mini-batch
        // Unlike train.sh: the toy RM is easy to game. Measured on one toy world (40 steps):
        // lr 1e-4 without KL learnt to stop in one of two runs; lr 2e-4 to 3e-4 without KL
        // learnt to stop by step 25 but collapsed onto one RM-pleasing line (17 to 24 distinct
        // responses of 64); lr 3e-4 with this KL loss stopped 75-80% of the time with 64 of 64
        // distinct responses.
        use_kl_loss: true,
        kl_loss_coef: 0.1,
      },
      rollout: { n: 4, log_prob_micro_batch_size_per_gpu: 32 },
    },
    critic: {
      optim: { lr: 1e-3 }, // the value head starts at zero
      ppo_micro_batch_size_per_gpu: 32,
    },
    reward_model: { enable: true, reward_manager: "style_mix" }, // as train.sh
    trainer: {
      total_training_steps: 40, // the full toy run; --quick passes fewer
      save_freq: 10,
      test_freq: 10,
      logger: ["console"],
      n_gpus_per_node: 1,
      project_name: "grlo-kit",
      experiment_name: "toy-grlo",
    },
    kit: { val_prompts: 16 },
  },
};

/** The in-domain RLVR baseline on the toy world: GRPO on toy-math problems with the verifier. */
const TOY_RLVR: Preset = {
  name: "toy-rlvr",
  summary: "RLVR baseline on the toy world: GRPO on toy-math problems, math verifier reward",
  requires: ["data.train_files", "actor_rollout_ref.model.path"],
  delta: {
    algorithm: { adv_estimator: "grpo" }, // the usual RLVR recipe
    data: {
      train_batch_size: 16,
      max_prompt_length: 256,
      max_response_length: 96,
      filter_overlong_prompts: true,
    },
    actor_rollout_ref: {
      actor: { optim: { lr: 1e-4 }, ppo_mini_batch_size: 8, ppo_micro_batch_size_per_gpu: 32 },
      rollout: { n: 4, log_prob_micro_batch_size_per_gpu: 32 },
    },
    reward_model: { enable: false }, // the verifier (naive manager: math by data_source)
    trainer: {
      total_training_steps: 40,
      save_freq: 10,
      test_freq: -1,
      logger: ["console"],
      n_gpus_per_node: 1,
      project_name: "grlo-kit",
      experiment_name: "toy-rlvr",
    },
  },
};

const PRESETS: readonly Preset[] = [GRLO_PAPER, SMOKE, TOY_GRLO, TOY_RLVR];

/**
 * The presets' names and summaries.
 *
 * @returns one entry per preset
 */
export function listPresets(): { name: string; summary: string }[] {
  return PRESETS.map(({ name, summary }) => ({ name, summary }));
}

/**
 * Looks a preset up by name.
 *
 * @param name the preset name
 * @returns the preset
 * @throws {ConfigError} listing the known names
 */
export function getPreset(name: string): Preset {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) {
    throw new ConfigError(
      "",
      `unknown preset "${name}"; known presets: ${PRESETS.map((x) => x.name).join(", ")}`,
    );
  }
  return p;
}
