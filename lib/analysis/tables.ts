/**
 * Derived evaluation tables, as verbs over the tables {@link loadRuns} returns: per-suite
 * scores with bootstrap CIs, domain averages, deltas against the base model with paired
 * bootstrap CIs, and the transfer matrix (training environment x evaluation domain).
 *
 * Averages follow the paper's "average over all domains": the mean of the suites of each
 * domain (chat, math, code), then the mean of those domain means (`all`), so a domain with
 * many suites weighs as much as one with few.
 *
 * @module
 */

import * as aq from "arquero";
import { rowsOf, tableOf } from "./_files.ts";
import { mean, percentile } from "../util/stats.ts";
import { Rng } from "../util/rng.ts";

/** The evaluation domains, in table order. */
export const DOMAINS: readonly string[] = ["chat", "math", "code"];

/** Bootstrap settings shared by the tables. */
export interface BootstrapSettings {
  /** Bootstrap rounds. @default 1000 */
  rounds?: number;
  /** Seed of the resampling generator. @default 0 */
  seed?: number;
  /** Confidence level in percent. @default 95 */
  level?: number;
}

interface Score {
  run: string;
  stage: string;
  method: string;
  suite: string;
  domain: string;
  value: number | null;
}
interface Question {
  run: string;
  stage: string;
  suite: string;
  id: string;
  outcome: number;
}

const key = (...parts: unknown[]) => parts.join("\u0000");

function outcomesBy(questions: aq.ColumnTable | undefined): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const q of questions ? rowsOf<Question>(questions) : []) {
    const k = key(q.run, q.stage, q.suite);
    if (!out.has(k)) out.set(k, new Map());
    out.get(k)!.set(q.id, q.outcome);
  }
  return out;
}

/**
 * Per-suite scores with a bootstrap CI over questions (percentile interval of the mean
 * outcome; null where the records are missing).
 *
 * @param scores the `scores` table of a run set
 * @param options the per-question outcomes (`questions` table) and bootstrap settings
 * @returns `scores` plus `lower`, `upper` (same scale as `value`)
 */
export function scoreTable(
  scores: aq.ColumnTable,
  options: BootstrapSettings & { questions?: aq.ColumnTable } = {},
): aq.ColumnTable {
  const by = outcomesBy(options.questions);
  const level = options.level ?? 95;
  const rows = rowsOf<Score>(scores).map((s, i) => {
    const xs = [...(by.get(key(s.run, s.stage, s.suite))?.values() ?? [])];
    const rng = new Rng((options.seed ?? 0) + i);
    const reps = xs.length === 0 ? [] : Array.from({ length: options.rounds ?? 1000 }, () => {
      let t = 0;
      for (let j = 0; j < xs.length; j++) t += xs[rng.int(xs.length)];
      return t / xs.length;
    });
    const ci = reps.length > 0 && s.value !== null;
    return {
      ...s,
      lower: ci ? percentile(reps, (100 - level) / 2) : null,
      upper: ci ? percentile(reps, 100 - (100 - level) / 2) : null,
    };
  });
  return tableOf(rows, [...scores.columnNames(), "lower", "upper"]);
}

/**
 * Domain averages per (run, stage): the mean of the suites of each domain, then `all`, the
 * mean of the domain means (the paper's "average over all domains").
 *
 * @param scores the `scores` table (suites with a null value are left out)
 * @returns `run`, `stage`, `method`, `domain` (chat, math, code, all), `value`, `suites`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as aq from "arquero";
 * import { domainAverages } from "./tables.ts";
 * const s = aq.from([
 *   { run: "r", stage: "base", method: "base", suite: "a", domain: "math", value: 0.2 },
 *   { run: "r", stage: "base", method: "base", suite: "b", domain: "math", value: 0.4 },
 *   { run: "r", stage: "base", method: "base", suite: "c", domain: "code", value: 0.9 },
 * ]);
 * const rows = domainAverages(s).objects() as { domain: string; value: number }[];
 * const all = rows.find((r) => r.domain === "all");
 * assert.ok(Math.abs(all!.value - 0.6) < 1e-12); // (0.3 + 0.9) / 2
 * ```
 */
export function domainAverages(scores: aq.ColumnTable): aq.ColumnTable {
  const groups = new Map<string, Score[]>();
  for (const s of rowsOf<Score>(scores)) {
    if (s.value === null) continue;
    const k = key(s.run, s.stage);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const rows: Record<string, unknown>[] = [];
  for (const ss of groups.values()) {
    const { run, stage, method } = ss[0];
    const domainMeans: number[] = [];
    for (const domain of DOMAINS) {
      const vs = ss.filter((s) => s.domain === domain).map((s) => s.value!);
      if (vs.length === 0) continue;
      domainMeans.push(mean(vs));
      rows.push({ run, stage, method, domain, value: mean(vs), suites: vs.length });
    }
    rows.push({ run, stage, method, domain: "all", value: mean(domainMeans), suites: ss.length });
  }
  return tableOf(rows, ["run", "stage", "method", "domain", "value", "suites"]);
}

/** Options of {@link deltaTable}. */
export interface DeltaOptions extends BootstrapSettings {
  /** Per-question outcomes (`questions` table), for the CIs. */
  questions?: aq.ColumnTable;
  /** The stage every other stage is compared with. @default "base" */
  base?: string;
}

/**
 * Deltas against the base stage of the same evaluation run, per suite, per domain average
 * and for the average over all domains, with paired bootstrap CIs: each round resamples the
 * questions each suite shares with the base (independently per suite, one seeded generator
 * per stage) and recomputes the mean outcome difference of each suite, then the domain and
 * all-domain averages of those differences. A CI is null where a suite (or a suite of the
 * domain) has no paired per-question outcomes.
 *
 * @param scores the `scores` table
 * @param options per-question outcomes, base stage name, bootstrap settings
 * @returns `run`, `stage`, `method`, `suite` (suite, `<domain> (mean)`, `all domains (mean)`),
 *   `domain`, `base_value`, `value`, `delta`, `lower`, `upper`, `pairs`
 */
export function deltaTable(scores: aq.ColumnTable, options: DeltaOptions = {}): aq.ColumnTable {
  const base = options.base ?? "base";
  const rounds = options.rounds ?? 1000;
  const lo = (100 - (options.level ?? 95)) / 2;
  const by = outcomesBy(options.questions);
  const all = rowsOf<Score>(scores).filter((s) => s.value !== null);
  const rows: Record<string, unknown>[] = [];
  const stages = [...new Set(all.map((s) => key(s.run, s.stage)))];
  for (const [si, rs] of stages.entries()) {
    const mine = all.filter((s) => key(s.run, s.stage) === rs);
    const { run, stage, method } = mine[0];
    const baseOf = (suite: string) =>
      all.find((b) => b.run === run && b.stage === base && b.suite === suite);
    const suites = mine.filter((s) => s.stage !== base && baseOf(s.suite) !== undefined);
    const rng = new Rng((options.seed ?? 0) * 7919 + si);
    const pairs = suites.map((s) => {
      const ours = by.get(key(run, stage, s.suite)) ?? new Map<string, number>();
      const theirs = by.get(key(run, base, s.suite)) ?? new Map<string, number>();
      return [...ours].filter(([id]) => theirs.has(id)).map(([id, o]) => o - theirs.get(id)!);
    });
    // reps[r][i]: round r's mean difference of suite i (NaN without pairs).
    const reps = Array.from({ length: suites.length === 0 ? 0 : rounds }, () =>
      pairs.map((d) => {
        let t = 0;
        for (let j = 0; j < d.length; j++) t += d[rng.int(d.length)];
        return d.length === 0 ? NaN : t / d.length;
      }));
    const interval = (stat: (row: number[]) => number) => {
      const xs = reps.map(stat);
      const ok = xs.length > 0 && xs.every(Number.isFinite);
      return {
        lower: ok ? percentile(xs, lo) : null,
        upper: ok ? percentile(xs, 100 - lo) : null,
      };
    };
    const push = (suite: string, domain: string, idx: number[], n: number) => {
      const v = mean(idx.map((i) => suites[i].value!));
      const b = mean(idx.map((i) => baseOf(suites[i].suite)!.value!));
      const ci = interval((row) => mean(idx.map((i) => row[i])));
      rows.push({
        run,
        stage,
        method,
        suite,
        domain,
        base_value: b,
        value: v,
        delta: v - b,
        ...ci,
        pairs: n,
      });
    };
    suites.forEach((s, i) => push(s.suite, s.domain, [i], pairs[i].length));
    const domainIdx = DOMAINS.map((d) => suites.flatMap((s, i) => (s.domain === d ? [i] : [])))
      .map((idx, j) => ({ domain: DOMAINS[j], idx })).filter((d) => d.idx.length > 0);
    for (const d of domainIdx) {
      push(`${d.domain} (mean)`, d.domain, d.idx, d.idx.reduce((t, i) => t + pairs[i].length, 0));
    }
    if (domainIdx.length > 0) {
      const m = (f: (i: number) => number) => mean(domainIdx.map((d) => mean(d.idx.map(f))));
      const ci = interval((row) => m((i) => row[i]));
      const v = m((i) => suites[i].value!);
      const b = m((i) => baseOf(suites[i].suite)!.value!);
      rows.push({
        run,
        stage,
        method,
        suite: "all domains (mean)",
        domain: "all",
        base_value: b,
        value: v,
        delta: v - b,
        ...ci,
        pairs: pairs.reduce((t, p) => t + p.length, 0),
      });
    }
  }
  return tableOf(rows, [
    "run",
    "stage",
    "method",
    "suite",
    "domain",
    "base_value",
    "value",
    "delta",
    "lower",
    "upper",
    "pairs",
  ]);
}

/**
 * The transfer matrix: for each trained stage (its training environment, from the training
 * run's `data.train_files` where the run set has it) and each evaluation domain, the delta of
 * the domain average against the base, with its CI.
 *
 * @param deltas a {@link deltaTable}
 * @param options the `runs` table (for the training environment of each method)
 * @returns `method`, `environment`, `domain` (chat, math, code, all), `delta`, `lower`, `upper`
 */
export function transferMatrix(
  deltas: aq.ColumnTable,
  options: { runs?: aq.ColumnTable } = {},
): aq.ColumnTable {
  const env = new Map<string, string>();
  for (
    const r of options.runs ? rowsOf<{ method: string; train_files: string }>(options.runs) : []
  ) {
    if (r.train_files) env.set(r.method, r.train_files);
  }
  const rows = rowsOf<Record<string, unknown>>(deltas)
    .filter((d) => /\(mean\)$/.test(String(d.suite)))
    .map((d) => ({
      method: d.method,
      environment: env.get(String(d.method)) ?? String(d.stage),
      domain: d.domain,
      delta: d.delta,
      lower: d.lower,
      upper: d.upper,
    }));
  return tableOf(rows, ["method", "environment", "domain", "delta", "lower", "upper"]);
}
