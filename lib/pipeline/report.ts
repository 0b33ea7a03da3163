/**
 * The reproduce report: `OUT/report.json` (every stage x suite number with its n and 95% CI,
 * domain averages as the paper averages them, the base model's clean-stop rate, the cost of
 * each training stage and the data and compute ratios of RLVR against GRLO, as the paper's
 * 46x and 68x) and a plain-text summary that says what improved and what did not.
 *
 * CIs: a suite's 95% CI is the normal approximation of its accuracy over n tasks (math, code)
 * or the chat suite's own bootstrap CI of the win rate; with several RL seeds, the CI of a
 * method is the t-interval of its per-seed values.
 *
 * @module
 */

import { join } from "node:path";
import type { SuiteSummary } from "../eval/summary.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import type { EvaluatedStage, StageCost, ToyPipelineResult } from "./toy.ts";

/** One suite's number in the report. */
export interface SuiteNumber {
  suite: string;
  domain: string;
  metric: string;
  value: number | null;
  n: number;
  ci: [number, number] | null;
}

/** One method's numbers (mean over its seeds). */
export interface MethodRow {
  method: string;
  seeds: number;
  suites: SuiteNumber[];
  domains: Record<string, number | null>;
  average: number | null;
  /** Share of responses that ended by themselves (not at the token budget). */
  cleanStopRate: number;
}

/** `OUT/report.json`. */
export interface ReproduceReport {
  profile: string;
  created: string;
  sizes: unknown;
  methods: MethodRow[];
  stages: {
    stage: string;
    method: string;
    seed: number | null;
    model: string;
    suites: SuiteNumber[];
  }[];
  costs: StageCost[];
  ratios: { data: number | null; compute: number | null; note: string };
  pretrain: Record<string, number> | null;
  rewardModel: Record<string, number> | null;
  /** The base model with completion prompts (the corpus's formats): its latent skill. */
  latentSkill: SuiteNumber[];
}

const T95: Record<number, number> = {
  1: 12.71,
  2: 4.30,
  3: 3.18,
  4: 2.78,
  5: 2.57,
  6: 2.45,
  7: 2.36,
  8: 2.31,
  9: 2.26,
};

function suiteNumber(s: SuiteSummary): SuiteNumber {
  let ci: [number, number] | null = null;
  if (s.chat) {
    const w = s.chat.report.winRate;
    ci = [w.lower, w.upper];
  } else if (s.value !== null && s.tasks > 0) {
    const half = 1.96 * Math.sqrt(Math.max(s.value * (1 - s.value), 0) / s.tasks);
    ci = [Math.max(0, s.value - half), Math.min(1, s.value + half)];
  }
  return { suite: s.suite, domain: s.domain, metric: s.metric, value: s.value, n: s.tasks, ci };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The paper's averaging: mean of suites within a domain, then of the domains. */
export function domainAverages(suites: readonly SuiteNumber[]) {
  const domains: Record<string, number | null> = {};
  for (const d of ["chat", "math", "code"]) {
    const vs = suites.filter((s) => s.domain === d && s.value !== null).map((s) => s.value!);
    domains[d] = vs.length ? mean(vs) : null;
  }
  const present = Object.values(domains).filter((v): v is number => v !== null);
  return { domains, average: present.length ? mean(present) : null };
}

function methodRow(method: string, stages: readonly EvaluatedStage[]): MethodRow {
  const perSeed = stages.map((s) => s.summary.suites.map(suiteNumber));
  const suites = perSeed[0].map((first, i) => {
    if (perSeed.length === 1) return first;
    const vals = perSeed.map((p) => p[i].value).filter((v): v is number => v !== null);
    const m = vals.length ? mean(vals) : null;
    if (m === null || vals.length < 2) return { ...first, value: m };
    const sd = Math.sqrt(vals.reduce((a, v) => a + (v - m) ** 2, 0) / (vals.length - 1));
    const half = (T95[vals.length - 1] ?? 1.96) * sd / Math.sqrt(vals.length);
    return { ...first, value: m, ci: [m - half, m + half] as [number, number] };
  });
  let stop = 0, total = 0;
  for (const s of stages) {
    for (const x of s.summary.suites) {
      stop += x.finish_reasons.stop;
      total += x.finish_reasons.stop + x.finish_reasons.length;
    }
  }
  return {
    method,
    seeds: stages.length,
    suites,
    ...domainAverages(suites),
    cleanStopRate: total ? stop / total : 0,
  };
}

/**
 * Builds the report from a pipeline result.
 *
 * @param r the pipeline result
 * @param profile the profile name
 * @returns the report
 */
export function buildReport(r: ToyPipelineResult, profile: string): ReproduceReport {
  const methods = ["base", "grlo", "rlvr", "grlo-rlvr"]
    .map((m) => [m, r.evaluations.filter((e) => e.method === m)] as const)
    .filter(([, es]) => es.length > 0)
    .map(([m, es]) => methodRow(m, es));
  const cost = (m: string) => r.costs.filter((c) => c.stage.split(".")[0] === m);
  const sum = (cs: StageCost[], k: keyof StageCost) => cs.reduce((a, c) => a + (c[k] as number), 0);
  const g = cost("grlo"), v = cost("rlvr");
  const ratio = (k: keyof StageCost) =>
    g.length && v.length && sum(g, k) > 0 ? sum(v, k) / sum(g, k) : null;
  return {
    profile,
    created: new Date().toISOString(),
    sizes: r.sizes,
    methods,
    stages: r.evaluations.map((e) => ({
      stage: e.stage,
      method: e.method,
      seed: e.seed,
      model: e.model,
      suites: e.summary.suites.map(suiteNumber),
    })),
    costs: r.costs,
    ratios: {
      data: ratio("prompts"),
      compute: ratio("cpuSeconds"),
      note: "RLVR over GRLO: training prompts used, and CPU seconds of the training stage " +
        "(the paper reports 46x less data and 68x less compute for GRLO on Qwen3-4B-Base)",
    },
    pretrain: r.pretrain.final,
    rewardModel: r.rewardModel.final,
    latentSkill: r.latentSkill.suites.map(suiteNumber),
  };
}

const pct = (x: number | null) => x === null ? "  -  " : `${(100 * x).toFixed(1).padStart(5)}`;

/**
 * The plain-text summary: one line per method with every suite, the domain averages and the
 * clean-stop rate, then what improved over base and what did not.
 *
 * @param rep the report
 * @returns lines
 */
export function formatReport(rep: ReproduceReport): string[] {
  const suites = rep.methods[0]?.suites.map((s) => s.suite) ?? [];
  const lines = [
    `${"method".padEnd(10)} ${
      suites.map((s) => s.padStart(9)).join(" ")
    }   chat  math  code   avg  clean-stop`,
  ];
  for (const m of rep.methods) {
    lines.push(
      `${m.method.padEnd(10)} ${m.suites.map((s) => pct(s.value).padStart(9)).join(" ")}  ${
        ["chat", "math", "code"].map((d) => pct(m.domains[d])).join(" ")
      } ${pct(m.average)}   ${pct(m.cleanStopRate)}`,
    );
  }
  const base = rep.methods.find((m) => m.method === "base");
  if (base) {
    for (const m of rep.methods.filter((x) => x !== base)) {
      const up: string[] = [], down: string[] = [], same: string[] = [];
      m.suites.forEach((s, i) => {
        const b = base.suites[i];
        if (s.value === null || b.value === null) return;
        const d = s.value - b.value;
        const overlap = s.ci && b.ci && s.ci[0] <= b.ci[1] && b.ci[0] <= s.ci[1];
        const word = `${s.suite} ${d >= 0 ? "+" : ""}${(100 * d).toFixed(1)}${
          overlap ? " (CIs overlap)" : ""
        }`;
        (Math.abs(d) < 0.005 ? same : d > 0 ? up : down).push(word);
      });
      lines.push(
        `${m.method} vs base: improved ${up.join(", ") || "nothing"}; worse ${
          down.join(", ") || "nothing"
        }; unchanged ${same.map((w) => w.split(" ")[0]).join(", ") || "nothing"}`,
      );
    }
  }
  if (rep.latentSkill.length) {
    lines.push(
      `base with completion prompts (latent skill): ${
        rep.latentSkill.map((s) => `${s.suite} ${pct(s.value).trim()}`).join(", ")
      }`,
    );
  }
  if (rep.ratios.data !== null) {
    lines.push(
      `RLVR / GRLO: ${rep.ratios.data.toFixed(2)}x the prompts, ${
        rep.ratios.compute?.toFixed(2)
      }x the CPU time`,
    );
  }
  return lines;
}

/**
 * Writes `OUT/report.json`.
 *
 * @param out the output directory
 * @param rep the report
 */
export async function writeReportJson(out: string, rep: ReproduceReport): Promise<void> {
  await writeJsonAtomic(join(out, "report.json"), rep);
}
