/**
 * `style_mix`: the kit's own reward manager that mixes a base reward (the reward model's
 * score) with style terms. The GRLO authors' `style_mix` reward manager is not public; this
 * one is defined here, term by term, so that a plain-Python port gives identical values.
 *
 * For one record with response text `s`, response token ids `ids` (as the sampler returned
 * them: the stop token included when one ended the response), `T = len(ids)` and the base
 * reward's score `b`:
 *
 * - `rm` = `b`
 * - `no_stop` = 1 if `finish_reason == "length"` else 0
 * - `repetition` = the fraction of the `T - n + 1` token n-grams `ids[i:i+n]`
 *   (`n = repetition_ngram`) equal to an n-gram starting earlier; 0 when `T < n`
 * - `length_excess` = `max(0, T - length_target) / length_target`; 0 when `length_target` is null
 * - `empty` = 1 if `s` is blank: only the characters space, `\t`, `\n`, `\r`, `\v`, `\f`
 *   (Python: `s.strip(" \t\n\r\v\f") == ""`), else 0
 * - `clean_stop` = 1 if `finish_reason == "stop"` and not `empty`, else 0
 *
 * and, evaluated left to right in float64,
 * `score = rm_weight*rm - no_stop_penalty*no_stop - repetition_penalty*repetition
 *  - length_penalty*length_excess - empty_penalty*empty + clean_stop_bonus*clean_stop`.
 *
 * The Python reference of `repetition`:
 *
 * ```python
 * grams = [tuple(ids[i:i + n]) for i in range(len(ids) - n + 1)]
 * seen, rep = set(), 0
 * for g in grams:
 *     rep += g in seen
 *     seen.add(g)
 * repetition = rep / len(grams) if grams else 0.0
 * ```
 *
 * @module
 */

import { z } from "zod";
import type { Reward, RewardCallOptions, RewardInput, RewardOutput } from "./types.ts";

/** The weights of `reward_model.style_mix` (verl-style snake_case keys). */
export interface StyleMixWeights {
  /** Weight of the base score. @default 1 */
  rm_weight: number;
  /** Penalty for a response cut by the token budget. @default 1 */
  no_stop_penalty: number;
  /** Penalty per unit of repeated n-gram fraction. @default 1 */
  repetition_penalty: number;
  /** n of the repetition n-grams. @default 4 */
  repetition_ngram: number;
  /** Response tokens beyond which the length penalty applies; null turns it off. @default null */
  length_target: number | null;
  /** Penalty per unit of relative excess length. @default 0.5 */
  length_penalty: number;
  /** Penalty for a blank response. @default 1 */
  empty_penalty: number;
  /** Bonus for a response that stopped by itself and is not blank. @default 0 */
  clean_stop_bonus: number;
}

/** The defaults of {@link StyleMixWeights}. */
export const DEFAULT_STYLE_MIX: Readonly<StyleMixWeights> = Object.freeze({
  rm_weight: 1,
  no_stop_penalty: 1,
  repetition_penalty: 1,
  repetition_ngram: 4,
  length_target: null,
  length_penalty: 0.5,
  empty_penalty: 1,
  clean_stop_bonus: 0,
});

const finite = z.number().finite();
const weightsSchema = z.object({
  rm_weight: finite,
  no_stop_penalty: finite,
  repetition_penalty: finite,
  repetition_ngram: z.number().int().min(1),
  length_target: z.number().int().min(1).nullable(),
  length_penalty: finite,
  empty_penalty: finite,
  clean_stop_bonus: finite,
}).strict();

/**
 * Checks style_mix weights, filling defaults.
 *
 * @param raw a partial `reward_model.style_mix` section
 * @returns the full weights
 * @throws naming the field (`reward_model.style_mix.repetition_ngram: ...`)
 */
export function parseStyleMixWeights(raw: Partial<StyleMixWeights> = {}): StyleMixWeights {
  const r = weightsSchema.safeParse({ ...DEFAULT_STYLE_MIX, ...raw });
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new Error(`reward_model.style_mix.${i.path.join(".")}: ${i.message}`);
}

/** The style terms of one record (everything but `rm`). */
export interface StyleTerms {
  /** 1 when the response hit the token budget. */
  no_stop: number;
  /** Fraction of token n-grams repeating an earlier one. */
  repetition: number;
  /** max(0, T - length_target) / length_target; 0 without a target. */
  length_excess: number;
  /** 1 when the text is blank. */
  empty: number;
  /** 1 when it stopped by itself and is not blank. */
  clean_stop: number;
}

const BLANK = /^[ \t\n\r\v\f]*$/;

/**
 * The fraction of a sequence's n-grams that repeat an n-gram starting earlier.
 *
 * @param ids the token ids
 * @param n the n-gram length (>= 1)
 * @returns repeated n-grams / (len - n + 1), or 0 when there are fewer than n ids
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { repetitionFraction } from "./style_mix.ts";
 * assert.equal(repetitionFraction([1, 2, 1, 2, 1, 2], 2), 0.6); // (1,2) (2,1) then 3 repeats of 5
 * ```
 */
export function repetitionFraction(ids: readonly number[], n: number): number {
  const count = ids.length - n + 1;
  if (count <= 0) return 0;
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 0; i < count; i++) {
    const key = ids.slice(i, i + n).join(",");
    if (seen.has(key)) repeated++;
    else seen.add(key);
  }
  return repeated / count;
}

/**
 * The style terms of one record, as the module doc defines them.
 *
 * @param input the record
 * @param weights `repetition_ngram` and `length_target` are read
 * @returns the unweighted terms
 */
export function styleTerms(
  input: RewardInput,
  weights: Pick<StyleMixWeights, "repetition_ngram" | "length_target">,
): StyleTerms {
  const T = input.responseIds.length;
  const target = weights.length_target;
  const empty = BLANK.test(input.response) ? 1 : 0;
  return {
    no_stop: input.finishReason === "length" ? 1 : 0,
    repetition: repetitionFraction(input.responseIds, weights.repetition_ngram),
    length_excess: target === null ? 0 : Math.max(0, T - target) / target,
    empty,
    clean_stop: input.finishReason === "stop" && empty === 0 ? 1 : 0,
  };
}

/**
 * The style_mix score from the base score and the style terms (left to right, float64).
 *
 * @param rm the base score
 * @param t the style terms
 * @param w the weights
 * @returns the mixed score
 */
export function styleMixScore(rm: number, t: StyleTerms, w: StyleMixWeights): number {
  return w.rm_weight * rm - w.no_stop_penalty * t.no_stop -
    w.repetition_penalty * t.repetition - w.length_penalty * t.length_excess -
    w.empty_penalty * t.empty + w.clean_stop_bonus * t.clean_stop;
}

/** A base reward mixed with style terms (see the module doc). */
export class StyleMixReward implements Reward {
  readonly name = "style_mix";
  /** The checked weights. */
  readonly weights: StyleMixWeights;

  /**
   * @param base the base reward (normally the reward model); its score becomes the term `rm`
   * @param weights a partial `reward_model.style_mix` section (defaults fill the rest)
   */
  constructor(readonly base: Reward, weights: Partial<StyleMixWeights> = {}) {
    this.weights = parseStyleMixWeights(weights);
  }

  /**
   * Scores the base reward, then adds the style terms.
   *
   * @param batch the records
   * @param options signal, progress (of the base reward)
   * @returns score and the terms `rm`, `no_stop`, `repetition`, `length_excess`, `empty`, `clean_stop`
   */
  async score(
    batch: readonly RewardInput[],
    options: RewardCallOptions = {},
  ): Promise<RewardOutput[]> {
    const base = await this.base.score(batch, options);
    return batch.map((input, i) => {
      const rm = base[i].score;
      const t = styleTerms(input, this.weights);
      return { score: styleMixScore(rm, t, this.weights), terms: { rm, ...t } };
    });
  }

  /** Closes the base reward. */
  close(): Promise<void> {
    return this.base.close();
  }
}
