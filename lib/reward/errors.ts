/**
 * Reward failures reported per sample: {@link scoreChecked} scores a batch and guarantees that
 * every returned score and term is a finite number. A non-finite value, a wrong number of
 * outputs, or a scorer that throws is turned into a {@link RewardError} naming the sample
 * index, the head of its response and what was wrong. When the whole batch call throws, the
 * samples are rescored one at a time to find which one fails.
 *
 * @module
 */

import type { Reward, RewardCallOptions, RewardInput, RewardOutput } from "./types.ts";

/** What to do with a sample whose reward is bad: stop the step (throw) or score it 0. */
export type RewardErrorPolicy = "stop" | "zero";

/** How many characters of a response an error quotes. */
export const RESPONSE_HEAD_CHARS = 200;

/** One bad sample. */
export interface RewardProblem {
  /** The sample's index in the batch. */
  index: number;
  /** The first {@link RESPONSE_HEAD_CHARS} characters of its response. */
  responseHead: string;
  /** What was wrong: `score is NaN`, `term "rm" is Infinity`, `threw: <message>`. */
  problem: string;
}

/** A reward that could not be computed for one or more samples. */
export class RewardError extends Error {
  /**
   * @param rewardName the reward's name
   * @param problems the bad samples (at least one); the message names the first
   */
  constructor(readonly rewardName: string, readonly problems: readonly RewardProblem[]) {
    const p = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more samples)` : "";
    super(
      `reward ${rewardName}: sample ${p.index} (response ${
        JSON.stringify(p.responseHead)
      }): ${p.problem}${more}`,
    );
    this.name = "RewardError";
  }

  /** The first bad sample's index. */
  get index(): number {
    return this.problems[0].index;
  }
}

/** Options of {@link scoreChecked}. */
export interface ScoreCheckedOptions extends RewardCallOptions {
  /** `stop` throws a {@link RewardError}; `zero` scores bad samples 0. @default "stop" */
  onError?: RewardErrorPolicy;
}

/** What {@link scoreChecked} returns. */
export interface CheckedScores {
  /**
   * One output per input, every number finite. A zeroed sample has score 0, its finite terms
   * kept, its non-finite terms set to 0, and the term `reward_error: 1`.
   */
  outputs: RewardOutput[];
  /** The samples that were zeroed (empty under `stop`). */
  problems: RewardProblem[];
}

/**
 * Scores a batch and checks every number.
 *
 * @param reward the reward
 * @param batch the records
 * @param options error policy, signal, progress
 * @returns outputs (all finite) and the zeroed samples
 * @throws {RewardError} under `stop` when any sample is bad; the call's abort reason when aborted
 */
export async function scoreChecked(
  reward: Reward,
  batch: readonly RewardInput[],
  options: ScoreCheckedOptions = {},
): Promise<CheckedScores> {
  const policy = options.onError ?? "stop";
  const call = { signal: options.signal, onProgress: options.onProgress };
  let raw: (RewardOutput | { thrown: string })[];
  try {
    const got = await reward.score(batch, call);
    if (!Array.isArray(got) || got.length !== batch.length) {
      throw new Error(`returned ${got?.length} outputs for ${batch.length} samples`);
    }
    raw = got;
  } catch (e) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (batch.length <= 1) raw = [{ thrown: message(e) }];
    else raw = await oneByOne(reward, batch, options.signal);
  }
  const problems: RewardProblem[] = [];
  const outputs = raw.map((r, index) => {
    const problem = "thrown" in r ? `threw: ${r.thrown}` : checkOutput(r);
    if (problem === null) return r as RewardOutput;
    problems.push({ index, responseHead: head(batch[index].response), problem });
    return zeroed(r);
  });
  if (problems.length > 0 && policy === "stop") throw new RewardError(reward.name, problems);
  return { outputs, problems };
}

async function oneByOne(
  reward: Reward,
  batch: readonly RewardInput[],
  signal?: AbortSignal,
): Promise<(RewardOutput | { thrown: string })[]> {
  const out: (RewardOutput | { thrown: string })[] = [];
  for (const input of batch) {
    try {
      const got = await reward.score([input], { signal });
      if (got?.length !== 1) throw new Error(`returned ${got?.length} outputs for 1 sample`);
      out.push(got[0]);
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      out.push({ thrown: message(e) });
    }
  }
  return out;
}

/** The first problem of an output, or null when every number is finite. */
function checkOutput(r: RewardOutput): string | null {
  if (typeof r?.score !== "number" || !Number.isFinite(r.score)) return `score is ${r?.score}`;
  for (const [k, v] of Object.entries(r.terms ?? {})) {
    if (typeof v !== "number" || !Number.isFinite(v)) return `term "${k}" is ${v}`;
  }
  return null;
}

function zeroed(r: RewardOutput | { thrown: string }): RewardOutput {
  const terms: Record<string, number> = {};
  if (!("thrown" in r)) {
    for (const [k, v] of Object.entries(r?.terms ?? {})) {
      terms[k] = typeof v === "number" && Number.isFinite(v) ? v : 0;
    }
  }
  terms.reward_error = 1;
  return { score: 0, terms };
}

function head(text: string): string {
  return text.slice(0, RESPONSE_HEAD_CHARS);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
