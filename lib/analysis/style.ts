/**
 * One look for every figure: the method of a run or stage, its label, and its colour, so
 * GRLO is the same blue in every chart; plus the axis titles (with units) of the training
 * metrics.
 *
 * @module
 */

/** Labels of the reproduce stages, in the order figures show them. */
export const METHOD_LABELS: Readonly<Record<string, string>> = {
  base: "base",
  grlo: "GRLO",
  rlvr: "RLVR",
  "grlo-rlvr": "GRLO→RLVR",
};

/** Colours of the reproduce stages (Okabe–Ito, readable by colour-blind readers). */
export const METHOD_COLORS: Readonly<Record<string, string>> = {
  base: "#7f7f7f",
  grlo: "#0072B2",
  rlvr: "#E69F00",
  "grlo-rlvr": "#009E73",
};

const PALETTE = ["#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000", "#8C564B", "#17BECF"];

/**
 * The method of a run or stage name: a reproduce stage name as is, otherwise the name
 * without a trailing seed suffix (`-s1`, `-seed1`, `_seed1`), so seeds of one method group.
 *
 * @param name a run directory name or stage
 * @returns the method key
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { methodOf } from "./style.ts";
 * assert.equal(methodOf("grlo-seed2"), "grlo");
 * assert.equal(methodOf("grlo-rlvr"), "grlo-rlvr");
 * ```
 */
export function methodOf(name: string): string {
  return name in METHOD_LABELS ? name : name.replace(/[-_](s|seed)\d+$/, "");
}

/**
 * The display label of a method (`GRLO→RLVR` for `grlo-rlvr`; other names as they are).
 *
 * @param method the method key
 * @returns its label
 */
export function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? method;
}

/**
 * The colour of a method: fixed for the reproduce stages, otherwise a palette colour chosen
 * by a hash of the name (stable across figures and sessions).
 *
 * @param method the method key
 * @returns a CSS colour
 */
export function methodColor(method: string): string {
  let h = 0;
  for (const c of method) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return METHOD_COLORS[method] ?? PALETTE[h % PALETTE.length];
}

/**
 * Sorts method keys: reproduce stages first in pipeline order, then the rest by name.
 *
 * @param methods method keys (duplicates removed)
 * @returns the sorted keys
 */
export function sortMethods(methods: Iterable<string>): string[] {
  const order = Object.keys(METHOD_LABELS);
  const rank = (m: string) => (order.includes(m) ? order.indexOf(m) : order.length);
  return [...new Set(methods)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Title and y-axis title (with unit) of a training metric. */
export interface MetricInfo {
  /** Panel or figure title. */
  title: string;
  /** y-axis title with its unit. */
  axis: string;
}

const METRICS: Record<string, MetricInfo> = {
  "critic/score/mean": { title: "Reward", axis: "mean reward (score)" },
  "response_length/mean": { title: "Response length", axis: "mean length (tokens)" },
  "response_length/clip_ratio": {
    title: "Responses cut at max length",
    axis: "clip ratio (fraction)",
  },
  "actor/ppo_kl": { title: "KL to the rollout policy", axis: "KL (nats/token)" },
  "actor/kl_loss": { title: "KL to the reference", axis: "KL (nats/token)" },
  "actor/entropy": { title: "Entropy", axis: "entropy (nats/token)" },
  "actor/pg_clipfrac": { title: "PPO clip fraction", axis: "clipped tokens (fraction)" },
  "critic/vf_loss": { title: "Value loss", axis: "value loss (squared error)" },
  "critic/vf_explained_var": {
    title: "Explained variance",
    axis: "explained variance (1 = ideal)",
  },
  "health/logprob_drift/mean": {
    title: "Log-prob drift (rollout vs trainer)",
    axis: "mean |Δ log p| (nats/token)",
  },
};

/**
 * The title and axis title of a training metric (verl's names; `reward/<term>/mean` is a
 * reward term).
 *
 * @param metric the metric name
 * @returns title and y-axis title
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metricInfo } from "./style.ts";
 * assert.equal(metricInfo("reward/no_stop/mean").title, "Reward term: no_stop");
 * ```
 */
export function metricInfo(metric: string): MetricInfo {
  const term = /^reward\/(.+)\/mean$/.exec(metric);
  return METRICS[metric] ??
    (term
      ? { title: `Reward term: ${term[1]}`, axis: `${term[1]} (mean per response)` }
      : { title: metric, axis: metric });
}

/** The training metrics a dashboard shows, in order (reward terms are added after the reward). */
export const TRAINING_METRICS: readonly string[] = Object.keys(METRICS).filter((m) =>
  m !== "actor/kl_loss"
);
