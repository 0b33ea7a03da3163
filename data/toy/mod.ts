/**
 * The toy open-ended world: seeded generators of a base-model pre-training corpus, open-ended
 * RL prompts, reward-model preference pairs, RLVR math problems and the data of the
 * `toy-math`, `toy-code` and `toy-chat` evaluation suites, and {@link writeToyWorld}.
 *
 * @module
 */

export * from "./world.ts";
export * from "./verl.ts";
export * from "./chat.ts";
export * from "./rm_pairs.ts";
export * from "./math.ts";
export * from "./code.ts";
export * from "./corpus.ts";
export * from "./write.ts";
