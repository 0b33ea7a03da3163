/**
 * The plain values that flow through one RL step (DESIGN.md "Data flow"): rollout samples,
 * then per-token arrays in the *response layout* (`rows x width`, row-major, `width` = the
 * longest response of the batch, right padded, with a `responseMask`), then advantages.
 *
 * Alignment with the train-step graphs: a response token k of row b sits at response-layout
 * index `b*width + k`; in the full-sequence layout of the graphs (`[batch, seq]`, inputs
 * `input_ids`, targets = next ids) it is the target at position `promptLength + k - 1`. The
 * critic's value for token k is read at that same position (the state before the token is
 * emitted), as verl's `values[:, -response_length-1:-1]` does.
 *
 * @module
 */

import type { ChatMessage } from "../tokenizer/mod.ts";

/** One sampled response and what the later phases need from the rollout. */
export interface RolloutSample {
  /** The prompt's index in this step's batch; samples of one prompt share it (verl's `uid`). */
  group: number;
  /** The prompt conversation. */
  messages: ChatMessage[];
  /** Prompt token ids as the policy saw them (chat template applied). */
  promptIds: number[];
  /** Response token ids (the stop token included when one ended the response). */
  responseIds: number[];
  /** Response text. */
  responseText: string;
  /** Why it ended. */
  finishReason: "stop" | "length";
  /** The sampler's log-probability of each response token. */
  behaviourLogprobs: number[];
  /** Per-sample metadata from the data set (`data_source`, `ground_truth`, ...). */
  meta: Record<string, unknown>;
}

/** Per-token arrays of a batch in the response layout. */
export interface ResponseLayout {
  /** Number of responses (rows). */
  rows: number;
  /** Longest response in tokens (columns). */
  width: number;
  /** [rows*width]: 1 at response tokens, 0 at padding. */
  responseMask: Float32Array;
}

/** What every advantage estimator receives. */
export interface AdvantageInput extends ResponseLayout {
  /**
   * [rows*width] per-token rewards: the sequence score on each row's last response token,
   * minus `beta * kl` on every token when the KL penalty is in the reward.
   */
  tokenRewards: Float32Array;
  /** [rows*width] the critic's values at each response token, or null without a critic. */
  values: Float32Array | null;
  /** [rows] group id of each row (rows of one prompt share an id). */
  groups: Int32Array;
}

/** What every advantage estimator returns (both [rows*width], 0 at padding). */
export interface AdvantageOutput {
  advantages: Float32Array;
  /** Value targets (GAE: advantages + values before whitening; others: see each estimator). */
  returns: Float32Array;
}

/** The `algorithm.*` options estimators read (verl's names). */
export interface AdvantageOptions {
  /** Discount. @default 1.0 */
  gamma: number;
  /** GAE lambda. @default 1.0 */
  lam: number;
  /** GRPO: divide by the group std (false gives Dr.GRPO). @default true */
  normAdvByStd: boolean;
}

/** An advantage estimator: one signature for all, so the trainer never branches on a name. */
export type AdvantageFn = (input: AdvantageInput, options: AdvantageOptions) => AdvantageOutput;

/** A registered estimator and what it needs from the step. */
export interface AdvantageEstimator {
  /** verl's `algorithm.adv_estimator` value (`gae`, `grpo`, `rloo`, `reinforce_plus_plus`, ...). */
  name: string;
  /** Whether the step must compute critic values (and train a critic). */
  needsCritic: boolean;
  /** Whether rows come in groups of `rollout.n > 1` samples per prompt. */
  needsGroups: boolean;
  /** The function. */
  fn: AdvantageFn;
}
