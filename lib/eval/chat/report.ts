/**
 * The chat win-rate report (Arena-Hard style, judged by a reward model instead of GPT-4):
 * soft and hard win rates against the reference answers with bootstrap CIs over questions,
 * the length-controlled win rate, and response-length statistics. The reward model's name
 * is part of the report: a win rate means nothing without it.
 *
 * @module
 */

import { bootstrapCI } from "./bootstrap.ts";
import { lengthControlledWinRate, type LogisticOptions } from "./length_control.ts";
import { type LengthStats, lengthStats } from "./lengths.ts";
import { mean } from "./stats.ts";
import { outcomes } from "./winrate.ts";

/** Inputs of {@link chatWinRate}: per-question scores and lengths, in the same order. */
export interface ChatWinRateInput {
  /** The reward model that produced the scores (e.g. `Skywork/Skywork-Reward-V2-Llama-3.1-8B`). */
  rewardModel: string;
  /** Scores of our responses. */
  oursScores: number[];
  /** Scores of the reference answers (Arena-Hard: gpt-4-0314). */
  refScores: number[];
  /** Lengths of our responses. */
  oursLengths: number[];
  /** Lengths of the reference answers. */
  refLengths: number[];
  /** Unit of the lengths. */
  lengthUnit: "tokens" | "chars";
  /** Bootstrap rounds. @default 100 */
  rounds?: number;
  /** Bootstrap seed. @default 0 */
  seed?: number;
  /** Logistic fit options for the length-controlled rate. */
  logistic?: LogisticOptions;
}

/** A point estimate with its bootstrap interval (2.5 / 97.5 percentiles). */
export interface Estimate {
  /** The estimate on all questions. */
  value: number;
  /** Lower end of the bootstrap interval. */
  lower: number;
  /** Upper end of the bootstrap interval. */
  upper: number;
}

/** The report. */
export interface ChatWinRateReport {
  /** The reward model that judged. */
  rewardModel: string;
  /** Number of questions. */
  n: number;
  /** Mean of sigmoid(r_ours - r_ref). */
  winRate: Estimate;
  /** Mean of hard outcomes (win 1, tie 0.5, loss 0). */
  hardWinRate: Estimate;
  /** Win rate at zero normalised length difference (soft outcomes), and the fitted slope. */
  lengthControlled: Estimate & { slope: number };
  /** Response lengths of ours and of the reference answers. */
  lengths: { unit: "tokens" | "chars"; ours: LengthStats; reference: LengthStats };
  /** Bootstrap settings used. */
  bootstrap: { rounds: number; seed: number };
}

/**
 * Computes the chat win-rate report.
 *
 * @param input scores, lengths, reward-model name and bootstrap settings
 * @returns the report
 * @throws when the arrays differ in length or a score is not finite
 */
export function chatWinRate(input: ChatWinRateInput): ChatWinRateReport {
  const n = input.oursScores.length;
  for (
    const [name, arr] of [["refScores", input.refScores], ["oursLengths", input.oursLengths], [
      "refLengths",
      input.refLengths,
    ]] as const
  ) {
    if (arr.length !== n) {
      throw new Error(`chatWinRate: ${name} has ${arr.length} entries, oursScores ${n}`);
    }
  }
  const rounds = input.rounds ?? 100;
  const seed = input.seed ?? 0;
  const boot = { rounds, seed };
  const soft = outcomes(input.oursScores, input.refScores, "soft");
  const hard = outcomes(input.oursScores, input.refScores, "hard");
  const meanOf = (xs: number[]) => (idx: number[]) =>
    idx.reduce((s, i) => s + xs[i], 0) / idx.length;
  const estimate = (xs: number[]): Estimate => {
    const ci = bootstrapCI(n, meanOf(xs), boot);
    return { value: mean(xs), lower: ci.lower, upper: ci.upper };
  };
  const lc = lengthControlledWinRate(soft, input.oursLengths, input.refLengths, input.logistic);
  const lcCi = bootstrapCI(n, (idx) => {
    const pick = (xs: number[]) => idx.map((i) => xs[i]);
    return lengthControlledWinRate(
      pick(soft),
      pick(input.oursLengths),
      pick(input.refLengths),
      input.logistic,
    ).winRate;
  }, boot);
  return {
    rewardModel: input.rewardModel,
    n,
    winRate: estimate(soft),
    hardWinRate: estimate(hard),
    lengthControlled: {
      value: lc.winRate,
      lower: lcCi.lower,
      upper: lcCi.upper,
      slope: lc.fit.slope,
    },
    lengths: {
      unit: input.lengthUnit,
      ours: lengthStats(input.oursLengths),
      reference: lengthStats(input.refLengths),
    },
    bootstrap: boot,
  };
}
