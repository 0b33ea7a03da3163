/**
 * The smoke sizes the config and plan tests count with, pinned as overrides so that tuning
 * the smoke preset does not change what the tests check.
 */
export const SMOKE_PIN = [
  "data.train_batch_size=8",
  "data.max_prompt_length=32",
  "data.max_response_length=16",
  "actor_rollout_ref.rollout.n=4",
  "actor_rollout_ref.actor.ppo_mini_batch_size=4",
  "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8",
  "critic.ppo_micro_batch_size_per_gpu=8",
  "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=16",
  "trainer.total_training_steps=10",
];
