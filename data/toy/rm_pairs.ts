/**
 * Preference pairs for the toy reward model (Bradley-Terry): for a chat prompt, a good
 * answer (chosen) against a bad one (rejected). Rambling on into new questions is the base
 * model's habit, so it is a frequent rejected kind; as frequent are clean off-topic answers
 * (a good answer to another prompt), and each prompt also gets a generic one-liner, so a short
 * clean stop wins a pair only when it is on topic; truncated, repetitive and empty answers
 * complete the cycle.
 *
 * @module
 */

import { Rng, sampleSeed } from "../../lib/util/rng.ts";
import { badAnswer, type BadKind, type ChatItem, chatPromptPool, goodAnswer } from "./chat.ts";

/** One preference pair, as `deno task train-rm` reads it. */
export interface RmPair {
  /** The conversation so far: one user turn. */
  prompt: { role: "user"; content: string }[];
  /** The preferred response. */
  chosen: string;
  /** The dispreferred response. */
  rejected: string;
  /** What is wrong with `rejected` (for per-kind accuracy). */
  rejected_kind: BadKind;
}

/** The rejected kinds of one prompt's pairs, in order (cycled for other counts). */
const KIND_CYCLE: readonly BadKind[] = [
  "ramble",
  "off-topic",
  "generic",
  "truncated",
  "ramble",
  "off-topic",
  "repetitive",
  "empty",
];

/** Options of {@link generateRmPairs}. */
export interface RmPairOptions {
  /** Pairs per prompt. @default 8 */
  pairsPerPrompt?: number;
}

/**
 * Preference pairs for some prompts (their chosen answers vary: facts are redrawn per pair).
 *
 * @param seed the seed
 * @param items the prompts (the train or the held-out RL prompts)
 * @param options pairs per prompt
 * @returns `items.length * pairsPerPrompt` pairs, prompt by prompt
 * @throws naming `pairsPerPrompt` when it is not a positive integer
 */
export function generateRmPairs(
  seed: number,
  items: readonly ChatItem[],
  options: RmPairOptions = {},
): RmPair[] {
  const per = options.pairsPerPrompt ?? 8;
  if (!Number.isInteger(per) || per < 1) {
    throw new Error(`pairsPerPrompt: expected a positive integer, got ${per}`);
  }
  const pool = chatPromptPool();
  const out: RmPair[] = [];
  for (const item of items) {
    const rng = new Rng(sampleSeed(seed, "rm-pairs", item.id));
    for (let k = 0; k < per; k++) {
      const kind = KIND_CYCLE[k % KIND_CYCLE.length];
      out.push({
        prompt: [{ role: "user", content: item.prompt }],
        chosen: goodAnswer(rng, item),
        rejected: badAnswer(rng, item, kind, pool),
        rejected_kind: kind,
      });
    }
  }
  return out;
}
