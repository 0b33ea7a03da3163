/**
 * A step's metrics under verl's names (`verl/trainer/ppo/metric_utils.py`
 * `compute_data_metrics`, `compute_timing_metrics`, `compute_throughout_metrics`), plus one
 * `reward/<term>/mean` per reward term and the kit's health keys (`health/*`): rollout-vs-
 * train log-prob drift, reward-length correlation, non-finite counts, padding fraction.
 *
 * @module
 */

import type { RewardOutput } from "../reward/types.ts";
import { explainedVariance, maskedMax, maskedMean, maskedMin, pearson } from "./stats.ts";
import type { ResponseLayout, RolloutSample } from "./types.ts";

/** Everything the data metrics read. */
export interface StepData {
  samples: readonly RolloutSample[];
  rewards: readonly RewardOutput[];
  layout: ResponseLayout;
  /** [rows*width] token rewards after KL (sum per row = `critic/rewards`). */
  tokenRewards: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  values: Float32Array | null;
  /** `data.max_response_length` (clip ratio). */
  maxResponseLength: number;
}

function triple(prefix: string, x: ArrayLike<number>, mask?: ArrayLike<number>) {
  return {
    [`${prefix}/mean`]: maskedMean(x, mask),
    [`${prefix}/max`]: maskedMax(x, mask),
    [`${prefix}/min`]: maskedMin(x, mask),
  };
}

/**
 * verl's data metrics and the kit's reward-term means.
 *
 * @param d the step's samples, rewards and per-token arrays
 * @returns metrics by name
 */
export function dataMetrics(d: StepData): Record<string, number> {
  const { layout } = d;
  const scores = d.rewards.map((r) => r.score);
  const seqRewards = Array.from({ length: layout.rows }, (_, b) => {
    let s = 0;
    for (let k = 0; k < layout.width; k++) s += d.tokenRewards[b * layout.width + k];
    return s;
  });
  const lengths = d.samples.map((s) => s.responseIds.length);
  const promptLengths = d.samples.map((s) => s.promptIds.length);
  const m: Record<string, number> = {
    ...triple("critic/score", scores),
    ...triple("critic/rewards", seqRewards),
    ...triple("critic/advantages", d.advantages, layout.responseMask),
    ...triple("critic/returns", d.returns, layout.responseMask),
    ...triple("response_length", lengths),
    "response_length/clip_ratio": lengths.filter((n) => n >= d.maxResponseLength).length /
      lengths.length,
    ...triple("prompt_length", promptLengths),
    "health/reward_length_corr": pearson(scores, lengths),
    "health/eos_ratio": d.samples.filter((s) => s.finishReason === "stop").length /
      d.samples.length,
  };
  if (d.values) {
    Object.assign(m, triple("critic/values", d.values, layout.responseMask));
    m["critic/vf_explained_var"] = explainedVariance(d.returns, d.values, layout.responseMask);
  }
  const terms = new Set(d.rewards.flatMap((r) => Object.keys(r.terms)));
  for (const t of [...terms].sort()) {
    m[`reward/${t}/mean`] = d.rewards.reduce((a, r) => a + (r.terms[t] ?? 0), 0) / d.rewards.length;
  }
  return m;
}

/**
 * Drift between the sampler's log-probs and the trainer's recomputation over response tokens
 * (rl.md §2.3): `health/logprob_drift/{mean,max}` of `|behaviour - old|`.
 *
 * @param samples the rollout samples (behaviour log-probs)
 * @param oldLogprobs [rows*width] the trainer's log-probs
 * @param layout the response layout
 * @returns mean and max absolute drift
 */
export function logprobDrift(
  samples: readonly RolloutSample[],
  oldLogprobs: Float32Array,
  layout: ResponseLayout,
): { mean: number; max: number } {
  let sum = 0, n = 0, max = 0;
  samples.forEach((s, b) => {
    s.behaviourLogprobs.forEach((lp, k) => {
      const d = Math.abs(lp - oldLogprobs[b * layout.width + k]);
      sum += d;
      n++;
      if (d > max || Number.isNaN(d)) max = d;
    });
  });
  return { mean: n ? sum / n : 0, max };
}

/**
 * Peak resident memory of this process in GB (`VmHWM`), or the current RSS where /proc is
 * missing.
 *
 * @returns gigabytes
 */
export function peakMemoryGb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    if (m) return Number(m[1]) / 2 ** 20;
  } catch { /* not Linux */ }
  return Deno.memoryUsage().rss / 2 ** 30;
}
