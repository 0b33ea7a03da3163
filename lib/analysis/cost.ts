/**
 * What a training run cost, from its own files: prompts, samples, tokens generated and
 * trained, wall-clock and device hours; and the data and compute ratios of one method
 * against another (the paper's "46x less data and 68x less compute").
 *
 * Definitions (per run, summed over the logged steps `training/global_step >= 1`):
 * - `prompts`: distinct training prompts in `samples/` when every sample of every step was
 *   logged (`kit.samples_per_step` null), else `prompt_visits` (an upper bound;
 *   `prompts_counted` says which);
 * - `prompt_visits` = steps x `data.train_batch_size`; `samples` = visits x `rollout.n`;
 * - `tokens_generated` = sum of `response_length/mean` x samples per step;
 * - `tokens_trained` = sum of `perf/total_num_tokens` (prompt + response tokens of the batch)
 *   x `actor.ppo_epochs`;
 * - `hours` = sum of `timing_s/step` (else `perf/time_per_step`) / 3600; `device_hours` =
 *   hours x `trainer.nnodes` x `trainer.n_gpus_per_node`, reported as `cpu_hours` or
 *   `gpu_hours` by the device the run used (the run files do not record it: pass it).
 *
 * @module
 */

import type * as aq from "arquero";
import { rowsOf, tableOf } from "./_files.ts";
import { mean } from "../util/stats.ts";

/** Options of {@link costTable}. */
export interface CostOptions {
  /** The `runs` table of the run set. */
  runs: aq.ColumnTable;
  /** The `samples` table (for distinct prompts). */
  samples?: aq.ColumnTable;
  /** The device of every run, or per run name. @default "cpu" */
  device?: "cpu" | "gpu" | Record<string, "cpu" | "gpu">;
}

interface RunInfo {
  run: string;
  method: string;
  train_batch_size: number | null;
  rollout_n: number;
  ppo_epochs: number;
  devices: number;
  samples_per_step: number | null;
}

/**
 * The cost table: one row per training run (definitions in the module doc).
 *
 * @param metrics the `metrics` table of a run set
 * @param options the `runs` and `samples` tables, and the device
 * @returns `run`, `method`, `steps`, `prompts`, `prompts_counted`, `prompt_visits`, `samples`,
 *   `tokens_generated`, `tokens_trained`, `hours`, `device`, `device_hours`, `cpu_hours`,
 *   `gpu_hours`
 */
export function costTable(metrics: aq.ColumnTable, options: CostOptions): aq.ColumnTable {
  const byRun = new Map<string, Map<number, Record<string, number>>>();
  for (const m of rowsOf<{ run: string; step: number; metric: string; value: number }>(metrics)) {
    if (m.step < 1) continue;
    const steps = byRun.get(m.run) ?? new Map<number, Record<string, number>>();
    const row = steps.get(m.step) ?? {};
    row[m.metric] = m.value;
    steps.set(m.step, row);
    byRun.set(m.run, steps);
  }
  const samples = options.samples
    ? rowsOf<{ run: string; step: number; prompt: string }>(options.samples)
    : [];
  const rows = rowsOf<RunInfo>(options.runs).map((r) => {
    const steps = [...(byRun.get(r.run)?.values() ?? [])];
    const perStep = (r.train_batch_size ?? 0) * r.rollout_n;
    const mine = samples.filter((s) => s.run === r.run);
    const complete = r.samples_per_step === null &&
      new Set(mine.map((s) => s.step)).size === steps.length && mine.length > 0;
    const visits = steps.length * (r.train_batch_size ?? 0);
    const hours = steps.reduce((t, s) =>
      t + (s["timing_s/step"] ?? s["perf/time_per_step"] ?? 0), 0) /
      3600;
    const dev = typeof options.device === "object"
      ? options.device[r.run] ?? "cpu"
      : options.device ?? "cpu";
    const deviceHours = hours * r.devices;
    return {
      run: r.run,
      method: r.method,
      steps: steps.length,
      prompts: complete ? new Set(mine.map((s) => s.prompt)).size : visits,
      prompts_counted: complete ? "distinct" : "visits (upper bound)",
      prompt_visits: visits,
      samples: visits * r.rollout_n,
      tokens_generated: steps.reduce((t, s) => t + (s["response_length/mean"] ?? 0) * perStep, 0),
      tokens_trained: steps.reduce((t, s) => t + (s["perf/total_num_tokens"] ?? 0), 0) *
        r.ppo_epochs,
      hours,
      device: dev,
      device_hours: deviceHours,
      cpu_hours: dev === "cpu" ? deviceHours : null,
      gpu_hours: dev === "gpu" ? deviceHours : null,
    };
  });
  return tableOf(rows, [
    "run",
    "method",
    "steps",
    "prompts",
    "prompts_counted",
    "prompt_visits",
    "samples",
    "tokens_generated",
    "tokens_trained",
    "hours",
    "device",
    "device_hours",
    "cpu_hours",
    "gpu_hours",
  ]);
}

/**
 * The data and compute ratios of a baseline method over a method (how many times more
 * prompts, tokens and device hours the baseline used; seeds of one method are averaged).
 *
 * @param cost a {@link costTable}
 * @param options `method` (e.g. `grlo`) and `baseline` (e.g. `rlvr`)
 * @returns one row: `method`, `baseline`, `data_ratio` (prompts), `tokens_ratio`
 *   (tokens generated), `compute_ratio` (device hours); null where the method's value is 0
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as aq from "arquero";
 * import { costRatios } from "./cost.ts";
 * const c = aq.from([
 *   { method: "grlo", prompts: 5000, tokens_generated: 1, device_hours: 22.7 },
 *   { method: "rlvr", prompts: 230000, tokens_generated: 2, device_hours: 1543.6 },
 * ]);
 * const r = costRatios(c, { method: "grlo", baseline: "rlvr" }).objects()[0] as Record<string, number>;
 * assert.equal(r.data_ratio, 46);
 * assert.ok(Math.abs(r.compute_ratio - 68) < 1e-9);
 * ```
 */
export function costRatios(
  cost: aq.ColumnTable,
  options: { method: string; baseline: string },
): aq.ColumnTable {
  const rows = rowsOf<Record<string, number | string>>(cost);
  const avg = (method: string, col: string) => {
    const xs = rows.filter((r) => r.method === method).map((r) => Number(r[col]));
    return xs.length === 0 ? NaN : mean(xs);
  };
  const ratio = (col: string) => {
    const r = avg(options.baseline, col) / avg(options.method, col);
    return Number.isFinite(r) ? r : null;
  };
  return tableOf([{
    method: options.method,
    baseline: options.baseline,
    data_ratio: ratio("prompts"),
    tokens_ratio: ratio("tokens_generated"),
    compute_ratio: ratio("device_hours"),
  }], ["method", "baseline", "data_ratio", "tokens_ratio", "compute_ratio"]);
}
