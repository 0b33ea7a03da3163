/**
 * Rewards for RL: the {@link Reward} interface, the reward model (in process or remote, with
 * its HTTP server), the kit's `style_mix` shaping, verifiers (math, sandboxed code), rule
 * rewards, per-sample error checks, and the builder from the trainer config.
 *
 * The math grader and the code sandbox have their own modules (`./math/mod.ts`,
 * `./code/mod.ts`).
 *
 * @module
 */

export * from "./types.ts";
export * from "./reward_model.ts";
export * from "./rm_reward.ts";
export * from "./style_mix.ts";
export * from "./sum.ts";
export * from "./rules.ts";
export * from "./verifiers.ts";
export * from "./verifier_reward.ts";
export * from "./errors.ts";
export * from "./http_api.ts";
export * from "./server.ts";
export * from "./remote.ts";
export * from "./from_config.ts";
