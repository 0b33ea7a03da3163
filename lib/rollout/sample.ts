/**
 * Choosing the next token from one row of next-token probabilities `softmax(logits / T)`
 * (computed by the graph): greedy argmax, or a draw from the rule-narrowed weights with one
 * uniform number of the sequence's own random stream; plus the behaviour log-probability
 * (`log` of the untruncated probability, see `types.ts`) and optional top alternatives.
 *
 * @module
 */

import type { Rng } from "../util/rng.ts";
import { applyRules, type SamplingRule } from "./processors.ts";
import type { TokenLogprob } from "./types.ts";

/** How one sequence picks its tokens. */
export interface SamplingRules {
  /** 0 = greedy (the graph then applies temperature 1). */
  temperature: number;
  /** Rules that narrow the draw (top-k, top-p). */
  rules: readonly SamplingRule[];
  /** Alternatives to report per step (0 = none). */
  topLogprobs: number;
}

/** The chosen token. */
export interface TokenChoice {
  id: number;
  /** Its behaviour log-probability. */
  logprob: number;
  /** The most likely alternatives under the behaviour distribution (when asked for). */
  top?: TokenLogprob[];
}

/**
 * Picks the next token.
 *
 * @param ids the ids so far (prompt and response), for rules that read them
 * @param probs the step's probabilities [V] (not changed)
 * @param rules the sequence's sampling rules
 * @param rng the sequence's random stream (one draw per sampled step; none when greedy)
 * @returns the id, its behaviour log-probability and the alternatives
 */
export function chooseToken(
  ids: readonly number[],
  probs: Float32Array,
  rules: SamplingRules,
  rng: Rng,
): TokenChoice {
  let id: number;
  if (rules.temperature === 0) id = argmax(probs);
  else if (rules.rules.length === 0) id = drawToken(probs, rng.float(), 1); // sums to 1
  else id = drawToken(applyRules(rules.rules, ids, probs), rng.float());
  const choice: TokenChoice = { id, logprob: Math.log(probs[id]) };
  if (rules.topLogprobs > 0) choice.top = topLogprobs(probs, rules.topLogprobs);
  return choice;
}

/**
 * Index of the largest value (the lowest index on ties).
 *
 * @param values the row
 * @returns the index
 */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * The `k` most likely tokens of a row with their log-probabilities, most likely first (ties
 * by lower id).
 *
 * @param probs the row's probabilities
 * @param k how many
 * @returns up to `k` entries
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { topLogprobs } from "./sample.ts";
 * const top = topLogprobs(new Float32Array([0.25, 0.5, 0.25]), 2);
 * deepStrictEqual(top.map((t) => t.id), [1, 0]);
 * ```
 */
export function topLogprobs(probs: Float32Array, k: number): TokenLogprob[] {
  const best: number[] = []; // ids, kept sorted by probability, descending
  for (let i = 0; i < probs.length; i++) {
    const v = probs[i];
    if (best.length === k && !(v > probs[best[k - 1]])) continue;
    let j = best.length < k ? best.length : k - 1;
    best[j] = i;
    while (j > 0 && probs[best[j - 1]] < v) {
      [best[j - 1], best[j]] = [best[j], best[j - 1]];
      j--;
    }
  }
  return best.map((id) => ({ id, logprob: Math.log(probs[id]) }));
}

/**
 * Draws an index with probability proportional to its weight, by inverting the cumulative
 * sum at `u` (zero weights are never drawn).
 *
 * @param weights non-negative weights (not necessarily normalised)
 * @param u a uniform number in [0, 1)
 * @param sum the weights' sum when known (a softmax row: 1), saving a pass @default computed
 * @returns the index
 */
export function drawToken(weights: Float32Array, u: number, sum?: number): number {
  let total = sum ?? 0;
  if (sum === undefined) { for (let i = 0; i < weights.length; i++) total += weights[i]; }
  if (!(total > 0)) throw new Error("drawToken(): every weight is 0");
  const target = u * total;
  let acc = 0;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    acc += weights[i];
    last = i;
    if (acc > target) return i;
  }
  return last; // rounding left the target at the very end
}
