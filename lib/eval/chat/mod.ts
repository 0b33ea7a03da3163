/**
 * Chat evaluation from reward-model scores: per-question outcomes, win rates with bootstrap
 * CIs, the length-controlled win rate and response-length statistics. Pure functions over
 * arrays; scoring the responses with a reward model happens elsewhere (`lib/reward`).
 *
 * @module
 */

export { chatWinRate } from "./report.ts";
export type { ChatWinRateInput, ChatWinRateReport, Estimate } from "./report.ts";
export { outcomes } from "./winrate.ts";
export type { OutcomeKind } from "./winrate.ts";
export { bootstrapCI } from "./bootstrap.ts";
export type { BootstrapOptions, Interval } from "./bootstrap.ts";
export { fitLogistic, lengthControlledWinRate, lengthDifferences } from "./length_control.ts";
export type { LogisticFit, LogisticOptions } from "./length_control.ts";
export { lengthStats, textLengths } from "./lengths.ts";
export type { LengthStats } from "./lengths.ts";
export { mean, percentile, sigmoid } from "./stats.ts";
