/**
 * Preference pairs for reward-model training: JSONL (or JSONL.gz) records `{prompt, chosen,
 * rejected}`, the prompt a string (one user turn) or a list of `{role, content}` messages,
 * `chosen` / `rejected` the two assistant responses. A malformed line is refused naming
 * `file:line` and the field (`pairs.jsonl:3: field "chosen": expected string, got nothing`).
 *
 * Pairs are tokenized with `encodeRewardPair` (lib/reward/reward_model.ts), the very function
 * `RewardModel` scores with, so the trained model is read the way it was trained.
 *
 * @module
 */

import { z } from "zod";
import { readJsonl } from "../data/jsonl.ts";
import { encodeRewardPair } from "../reward/reward_model.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";

const message = z.looseObject({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: z.string(),
});
const pairRecord = z.looseObject({
  prompt: z.union([z.string(), z.array(message).min(1)]),
  chosen: z.string(),
  rejected: z.string(),
});

/** One preference pair. */
export interface PreferencePair {
  prompt: string | ChatMessage[];
  chosen: string;
  rejected: string;
}

/**
 * Reads preference pairs (see the module doc).
 *
 * @param path the JSONL file
 * @returns the pairs in file order
 * @throws naming `file:line` and the field for a malformed line; when the file is missing
 *   or empty
 */
export async function loadPairs(path: string): Promise<PreferencePair[]> {
  let records: PreferencePair[];
  try {
    records = (await readJsonl(path, pairRecord)).records.map((r) => ({
      prompt: typeof r.prompt === "string"
        ? r.prompt
        : r.prompt.map((m) => ({ role: m.role, content: m.content }) as ChatMessage),
      chosen: r.chosen,
      rejected: r.rejected,
    }));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${path}: no such pairs file`);
    throw e;
  }
  if (records.length === 0) throw new Error(`${path}: no preference pairs`);
  return records;
}

/** A tokenized pair. */
export interface EncodedPair {
  chosen: number[];
  rejected: number[];
  /** Whether either side was cut to the maximum length. */
  truncated: boolean;
}

/**
 * Tokenizes pairs as the reward model will score them.
 *
 * @param pairs the pairs
 * @param tokenizer the reward model's tokenizer (with a chat template)
 * @param maxLength the longest sequence kept (longer ones are cut inside the response)
 * @returns the token ids of both sides of every pair
 */
export function encodePairs(
  pairs: readonly PreferencePair[],
  tokenizer: Tokenizer,
  maxLength: number,
): EncodedPair[] {
  return pairs.map((p) => {
    const c = encodeRewardPair(tokenizer, { prompt: p.prompt, response: p.chosen }, maxLength);
    const r = encodeRewardPair(tokenizer, { prompt: p.prompt, response: p.rejected }, maxLength);
    return { chosen: c.ids, rejected: r.ids, truncated: c.truncated || r.truncated };
  });
}
