/**
 * A sum of rewards: `score = sum of the parts' scores`, terms = the union of the parts'
 * terms plus one term per part named after it holding that part's score (`style_mix`,
 * `char_fraction`). Used when the config asks for the reward model and a rule reward at once.
 *
 * @module
 */

import type { Reward, RewardCallOptions, RewardInput, RewardOutput } from "./types.ts";

/** Rewards added together. */
export class SumReward implements Reward {
  readonly name: string;

  /**
   * @param parts the rewards (at least two, distinct names)
   * @throws when fewer than two or when two share a name
   */
  constructor(readonly parts: readonly Reward[]) {
    if (parts.length < 2) throw new Error("SumReward: needs at least two rewards");
    const names = parts.map((p) => p.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new Error(`SumReward: two rewards are named "${dup}"`);
    this.name = names.join("+");
  }

  /**
   * Scores every part, then adds them.
   *
   * @param batch the records
   * @param options signal, progress (one part after the other)
   * @returns the summed score with every part's terms and a term per part
   * @throws when two parts report the same term with different values
   */
  async score(
    batch: readonly RewardInput[],
    options: RewardCallOptions = {},
  ): Promise<RewardOutput[]> {
    const outs: RewardOutput[][] = [];
    for (const [k, part] of this.parts.entries()) {
      outs.push(
        await part.score(batch, {
          signal: options.signal,
          onProgress: (done, total) =>
            options.onProgress?.(k * batch.length + done, this.parts.length * total),
        }),
      );
    }
    return batch.map((_, i) => {
      const terms: Record<string, number> = {};
      let score = 0;
      this.parts.forEach((part, k) => {
        const o = outs[k][i];
        score += o.score;
        for (const [name, v] of Object.entries({ ...o.terms, [part.name]: o.score })) {
          if (name in terms && !Object.is(terms[name], v)) {
            throw new Error(`SumReward: term "${name}" comes from two rewards`);
          }
          terms[name] = v;
        }
      });
      return { score, terms };
    });
  }

  /** Closes every part. */
  async close(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.close()));
  }
}
