/**
 * How each trainer-config key relates to verl: keys that only matter to verl's distributed
 * engine ({@link NO_MEANING_KEYS}: accepted, validated and listed with their value in the
 * printed plan, never silently ignored), keys verl does not have ({@link KIT_ONLY_KEYS}), and
 * keys whose default is another key's value, as verl's `${oc.select:...}` interpolations
 * ({@link INHERITED_KEYS}).
 *
 * @module
 */

/** Keys accepted for compatibility with verl that change nothing here, with the reason. */
export const NO_MEANING_KEYS: Readonly<Record<string, string>> = {
  "data.return_raw_chat": "the kit always keeps the conversation and applies chat templates itself",
  "actor_rollout_ref.model.use_remove_padding":
    "the kit's graphs take right-padded batches with masks (no unpadded varlen kernels)",
  "actor_rollout_ref.model.enable_gradient_checkpointing":
    "the train-step graph keeps its activations; nothing is recomputed",
  "actor_rollout_ref.model.trust_remote_code":
    "no Python model code runs; only qwen3/llama configs load",
  "actor_rollout_ref.actor.strategy": "FSDP sharding; the kit trains on one device",
  "actor_rollout_ref.actor.fsdp_config.param_offload": "FSDP offload; one device",
  "actor_rollout_ref.actor.fsdp_config.optimizer_offload": "FSDP offload; one device",
  "actor_rollout_ref.actor.ulysses_sequence_parallel_size": "sequence parallelism; one device",
  "actor_rollout_ref.ref.fsdp_config.param_offload": "FSDP offload; one device",
  "actor_rollout_ref.rollout.name":
    "verl's inference engine (vllm, sglang); the kit samples with its own KV-cache sampler",
  "actor_rollout_ref.rollout.tensor_model_parallel_size": "tensor parallelism; one device",
  "actor_rollout_ref.rollout.gpu_memory_utilization": "vLLM's KV-cache pool share",
  "actor_rollout_ref.rollout.enforce_eager": "vLLM's CUDA graphs",
  "actor_rollout_ref.rollout.free_cache_engine": "vLLM's cache release between phases",
  "critic.strategy": "FSDP sharding; one device",
  "critic.model.use_remove_padding": "right-padded batches with masks",
  "critic.model.enable_gradient_checkpointing": "nothing is recomputed",
  "critic.model.fsdp_config.param_offload": "FSDP offload; one device",
  "critic.model.fsdp_config.optimizer_offload": "FSDP offload; one device",
  "reward_model.model.input_tokenizer":
    "the kit renders the conversation with the reward model's own chat template",
  "reward_model.model.use_remove_padding": "right-padded batches with masks",
  "reward_model.model.fsdp_config.param_offload": "FSDP offload; one device",
  "trainer.logger": "the kit always prints to the console and writes OUT/metrics.jsonl",
  "trainer.nnodes": "one device: global batch sizes are kept, *_per_gpu sizes are per micro-batch",
  "trainer.n_gpus_per_node":
    "one device: global batch sizes are kept, *_per_gpu sizes are per micro-batch",
  "trainer.use_legacy_worker_impl": "verl's worker implementation switch",
  "trainer.device": "the execution provider comes from GRLO_EP (cpu, cuda, webgpu)",
  "trainer.default_local_dir": "checkpoints go to OUT/checkpoints",
  "trainer.balance_batch": "balances sequence lengths across data-parallel ranks",
};

/** Keys with no verl counterpart, with what they do. */
export const KIT_ONLY_KEYS: Readonly<Record<string, string>> = {
  "kit.seed": "rollout sampling seed",
  "kit.threads": "onnxruntime intra-op threads (0 = all cores)",
  "kit.max_logprob_drift": "fail the step when mean |rollout - train logprob| exceeds it",
  "kit.samples_per_step": "rows written to samples/step-N.jsonl (null = all)",
  "kit.val_prompts": "held-out prompts for the periodic validation reward",
  "reward_model.endpoint": "score with a remote reward-model server (deno task serve-reward)",
  "reward_model.endpoint_token_env": "environment variable holding the endpoint's bearer token",
  "reward_model.on_error": "what a failed reward call does: stop the run or score 0",
  "reward_model.style_mix.rm_weight": "style_mix: weight of the RM score",
  "reward_model.style_mix.no_stop_penalty": "style_mix: penalty for a response cut at the budget",
  "reward_model.style_mix.repetition_penalty": "style_mix: penalty for repeated n-grams",
  "reward_model.style_mix.repetition_ngram": "style_mix: n of the repetition n-grams",
  "reward_model.style_mix.length_target": "style_mix: target length in tokens (null = none)",
  "reward_model.style_mix.length_penalty": "style_mix: penalty for missing the length target",
  "reward_model.style_mix.empty_penalty": "style_mix: penalty for an empty response",
  "reward_model.style_mix.clean_stop_bonus": "style_mix: bonus for a clean stop",
  "custom_reward_function.builtin": "a rule reward shipped with the kit (e.g. char_fraction)",
};

/**
 * `target <- source`: when no layer sets the target, it takes the source's resolved value
 * (verl's `${oc.select:source,...}`).
 */
export const INHERITED_KEYS: Readonly<Record<string, string>> = {
  "critic.ppo_mini_batch_size": "actor_rollout_ref.actor.ppo_mini_batch_size",
  "critic.use_dynamic_bsz": "actor_rollout_ref.actor.use_dynamic_bsz",
  "critic.ppo_epochs": "actor_rollout_ref.actor.ppo_epochs",
  "critic.shuffle": "actor_rollout_ref.actor.shuffle",
  "critic.loss_agg_mode": "actor_rollout_ref.actor.loss_agg_mode",
  "actor_rollout_ref.rollout.log_prob_use_dynamic_bsz": "actor_rollout_ref.actor.use_dynamic_bsz",
  "actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu":
    "actor_rollout_ref.actor.ppo_max_token_len_per_gpu",
  "actor_rollout_ref.ref.log_prob_use_dynamic_bsz": "actor_rollout_ref.actor.use_dynamic_bsz",
  "actor_rollout_ref.ref.log_prob_max_token_len_per_gpu":
    "actor_rollout_ref.actor.ppo_max_token_len_per_gpu",
};
