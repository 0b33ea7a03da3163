/**
 * The naive reward manager's verifier dispatch, like verl's `default_compute_score`: each
 * record's verifier is picked by `meta.data_source`, then by `meta.ability`:
 *
 * | `data_source`                                                                   | verifier       |
 * | ------------------------------------------------------------------------------- | -------------- |
 * | `openai/gsm8k`, `gsm8k`, `lighteval/MATH`, `DigitalLearningGmbH/MATH-lighteval`, `HuggingFaceH4/MATH-500`, `math500`, `math`, `math_dapo`, `aime24`, `amc23` | `math` |
 * | `openai/openai_humaneval`, `humaneval`                                          | `humaneval`    |
 * | `evalplus/mbppplus`, `mbppplus`                                                 | `mbppplus`     |
 * | `nuprl/MultiPL-E`, `humaneval-ts`                                               | `humaneval-ts` |
 *
 * Any other source falls back to `meta.ability`: `math` picks `math`; `code` picks the judge
 * named by `meta.code_judge` (`humaneval`, `mbppplus` or `humaneval-ts`). Anything else is an
 * error naming the sample, its source and the known ones. Fields each verifier reads from
 * `meta` are listed in `verifiers.ts`.
 *
 * @module
 */

import { mapPool } from "./code/pool.ts";
import { allowUnsandboxedFromEnv } from "./code/sandbox.ts";
import { TscService } from "./code/tsc_service.ts";
import type { Reward, RewardCallOptions, RewardInput, RewardOutput } from "./types.ts";
import { type VerifierContext, type VerifierName, VERIFIERS } from "./verifiers.ts";

/** Which verifier grades records of each known `data_source`. */
export const VERIFIER_BY_SOURCE: Readonly<Record<string, VerifierName>> = {
  "openai/gsm8k": "math",
  "gsm8k": "math",
  "lighteval/MATH": "math",
  "DigitalLearningGmbH/MATH-lighteval": "math",
  "HuggingFaceH4/MATH-500": "math",
  "math500": "math",
  "math": "math",
  "math_dapo": "math",
  "aime24": "math",
  "amc23": "math",
  "openai/openai_humaneval": "humaneval",
  "humaneval": "humaneval",
  "evalplus/mbppplus": "mbppplus",
  "mbppplus": "mbppplus",
  "nuprl/MultiPL-E": "humaneval-ts",
  "humaneval-ts": "humaneval-ts",
};

const CODE_JUDGES: readonly VerifierName[] = ["humaneval", "mbppplus", "humaneval-ts"];

/**
 * The verifier of one record's metadata.
 *
 * @param meta the record's `meta`
 * @returns the verifier's name
 * @throws when neither `data_source` nor `ability` (+ `code_judge`) names one
 */
export function pickVerifier(meta: Readonly<Record<string, unknown>>): VerifierName {
  const source = meta.data_source;
  if (typeof source === "string" && source in VERIFIER_BY_SOURCE) {
    return VERIFIER_BY_SOURCE[source];
  }
  if (meta.ability === "math") return "math";
  if (meta.ability === "code") {
    const judge = meta.code_judge as VerifierName;
    if (CODE_JUDGES.includes(judge)) return judge;
    throw new Error(
      `meta.code_judge: expected one of ${CODE_JUDGES.join(", ")} for ability "code", got ${
        JSON.stringify(meta.code_judge)
      }`,
    );
  }
  throw new Error(
    `no verifier for data_source ${JSON.stringify(source)} (ability ${
      JSON.stringify(meta.ability)
    }); known data sources: ${Object.keys(VERIFIER_BY_SOURCE).join(", ")}; ` +
      `or set meta.ability to "math", or to "code" with meta.code_judge`,
  );
}

/** Options of {@link VerifierReward}. */
export interface VerifierRewardOptions {
  /** Run code without a sandbox when none works here. @default env GRLO_ALLOW_UNSANDBOXED=1 */
  allowUnsandboxed?: boolean;
  /** Time limit of one math grading, in ms. @default 3000 */
  mathTimeoutMs?: number;
  /** Where MBPP+ expected outputs are cached. @default the data cache's `mbppplus-expected` */
  mbppCacheDir?: string;
  /** Records graded at once (code runs also share the sandbox slots). @default 8 */
  concurrency?: number;
}

/** Grades each record with the verifier its `meta` names (the naive reward manager). */
export class VerifierReward implements Reward {
  readonly name = "verifier";
  readonly #ctx: VerifierContext;
  readonly #concurrency: number;
  #tsc: TscService | null = null;

  /** @param options sandbox opt-in, math time limit, MBPP+ cache, concurrency */
  constructor(options: VerifierRewardOptions = {}) {
    this.#concurrency = options.concurrency ?? 8;
    this.#ctx = {
      allowUnsandboxed: options.allowUnsandboxed ?? allowUnsandboxedFromEnv(),
      mathTimeoutMs: options.mathTimeoutMs ?? 3000,
      mbppCacheDir: options.mbppCacheDir,
      tsc: () => this.#tsc ??= new TscService({ allowUnsandboxed: this.#ctx.allowUnsandboxed }),
    };
  }

  /**
   * Grades every record; every record's verifier is resolved before any grading starts.
   *
   * @param batch the records
   * @param options signal, progress
   * @returns `{score: 1|0, terms: {correct: 1|0}}` per record
   * @throws naming the first sample without a verifier or with missing `meta` fields
   */
  async score(
    batch: readonly RewardInput[],
    options: RewardCallOptions = {},
  ): Promise<RewardOutput[]> {
    const names = batch.map((r, i) => {
      try {
        return pickVerifier(r.meta);
      } catch (e) {
        throw new Error(`sample ${i}: ${(e as Error).message}`);
      }
    });
    let done = 0;
    return await mapPool(batch, this.#concurrency, async (r, i) => {
      options.signal?.throwIfAborted();
      let out: RewardOutput;
      try {
        out = await VERIFIERS[names[i]](r, this.#ctx);
      } catch (e) {
        throw new Error(`sample ${i}: ${(e as Error).message}`);
      }
      options.onProgress?.(++done, batch.length);
      return out;
    });
  }

  /** Stops the TypeScript compile servers. */
  async close(): Promise<void> {
    await this.#tsc?.close();
    this.#tsc = null;
  }
}
