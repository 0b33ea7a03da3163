/**
 * Training the kit's own models: causal-LM pre-training on a corpus (pretrain.ts) and
 * Bradley-Terry reward-model training on preference pairs (reward_training.ts), with sequence
 * packing, the pairwise loss, and the shared resumable step loop.
 *
 * @module
 */

export * from "./bt_loss.ts";
export * from "./corpus.ts";
export * from "./packing.ts";
export * from "./pairs.ts";
export * from "./pretrain.ts";
export * from "./reward_training.ts";
export { type JobResult, writeModelDir } from "./_loop.ts";
