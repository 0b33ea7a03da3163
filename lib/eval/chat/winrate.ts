/**
 * Per-question outcomes of "ours vs the reference answer" from reward-model scores.
 *
 * Soft outcome: sigmoid(r(q, ours) - r(q, ref)), the Bradley-Terry probability that the
 * reward model prefers ours. Hard outcome: 1 if ours scores higher, 0 if lower, 0.5 on a tie.
 *
 * @module
 */

import { sigmoid } from "./stats.ts";

/** How a question's outcome is computed from the two scores. */
export type OutcomeKind = "soft" | "hard";

function checkPaired(ours: ArrayLike<number>, ref: ArrayLike<number>): void {
  if (ours.length !== ref.length) {
    throw new Error(
      `win rate: ${ours.length} scores for our responses but ${ref.length} for the reference`,
    );
  }
  if (ours.length === 0) throw new Error("win rate: no questions");
  for (let i = 0; i < ours.length; i++) {
    if (!Number.isFinite(ours[i]) || !Number.isFinite(ref[i])) {
      throw new Error(
        `win rate: question ${i} has a non-finite score (ours ${ours[i]}, reference ${ref[i]})`,
      );
    }
  }
}

/**
 * Per-question outcomes.
 *
 * @param ours reward-model scores of our responses, one per question
 * @param ref scores of the reference answers, same order
 * @param kind `soft` (sigmoid of the score difference) or `hard` (win/loss, tie 0.5) @default "soft"
 * @returns one outcome in [0, 1] per question
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outcomes } from "./winrate.ts";
 * assert.deepEqual(outcomes([1, 0, 2], [0, 0, 3], "hard"), [1, 0.5, 0]);
 * assert.equal(outcomes([2], [2])[0], 0.5);
 * ```
 */
export function outcomes(
  ours: ArrayLike<number>,
  ref: ArrayLike<number>,
  kind: OutcomeKind = "soft",
): number[] {
  checkPaired(ours, ref);
  const out = new Array<number>(ours.length);
  for (let i = 0; i < ours.length; i++) {
    const d = ours[i] - ref[i];
    out[i] = kind === "soft" ? sigmoid(d) : d > 0 ? 1 : d < 0 ? 0 : 0.5;
  }
  return out;
}
