/**
 * The one reward interface of the kit: a batch of rollout records in, one score per record
 * out, with every named term that made up the score (so style shaping can be analysed and
 * ablated term by term). Reward models, style shaping, verifiers, rule rewards and the remote
 * reward-model client all implement {@link Reward}; combinators compose them.
 *
 * @module
 */

import type { ChatMessage } from "../tokenizer/mod.ts";

/** Why a response ended: a stop token / stop string, or the token budget. */
export type RewardFinishReason = "stop" | "length";

/** One rollout record as a reward sees it. */
export interface RewardInput {
  /** The prompt conversation (without the response). */
  messages: readonly ChatMessage[];
  /** The response text (special tokens and the stop token excluded). */
  response: string;
  /** The response token ids (the stop token included when one ended it). */
  responseIds: readonly number[];
  /** Why the response ended. */
  finishReason: RewardFinishReason;
  /** The response token budget the sampler had (`data.max_response_length`). */
  maxResponseTokens: number;
  /** Per-sample metadata from the data set: `data_source`, `ground_truth`, tests, ... */
  meta: Readonly<Record<string, unknown>>;
}

/** The reward of one record. */
export interface RewardOutput {
  /** The scalar reward (the sum of the weighted terms for a composite reward). */
  score: number;
  /** Every named term, unweighted value as computed (e.g. `{rm: 1.3, no_stop: 1}`). */
  terms: Record<string, number>;
}

/** Per-call options of {@link Reward.score}. */
export interface RewardCallOptions {
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Called with records done and total. */
  onProgress?: (done: number, total: number) => void;
}

/** Anything that scores rollout records. Results come back in input order. */
export interface Reward {
  /** A short name for logs (`rm`, `style_mix`, `math`, `char_fraction`). */
  readonly name: string;
  /** Scores every record. */
  score(batch: readonly RewardInput[], options?: RewardCallOptions): Promise<RewardOutput[]>;
  /** Frees sessions, workers or connections. */
  close(): Promise<void>;
}
