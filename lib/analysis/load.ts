/**
 * Loading run directories (DESIGN.md "Run directories") into arquero tables: training runs
 * (`config.json`, `metrics.jsonl`, `samples/step-N.jsonl`; a verl run imported into the same
 * layout loads too, and verl's own file-logger lines `{"step", "data"}` are accepted),
 * evaluation runs (`summary.json` and the `<suite>.jsonl` records beside it), and a
 * `deno task reproduce` output (stage directories `base/`, `grlo/`, `rlvr/`, `grlo-rlvr/`
 * and `eval/<stage>/`). A missing or malformed file is a {@link RunFormatError} naming the
 * file, the line and the problem.
 *
 * @module
 */

import { basename, join } from "node:path";
import { readJsonl, readJsonObject, RunFormatError, tableOf } from "./_files.ts";
import { pathExists } from "../util/fs.ts";
import { methodOf } from "./style.ts";
import type * as aq from "arquero";
import { sigmoid } from "../util/stats.ts";

export { RunFormatError } from "./_files.ts";

/** Everything loaded from a set of run directories, one tidy table per kind. */
export interface RunSet {
  /** One row per training run: `run`, `method`, `seed`, `dir`, `train_files`, `train_batch_size`, `rollout_n`, `ppo_epochs`, `devices`, `samples_per_step`. */
  runs: aq.ColumnTable;
  /** Long format: `run`, `method`, `seed`, `step`, `metric`, `value`. */
  metrics: aq.ColumnTable;
  /** One row per logged sample: `run`, `method`, `step`, `index`, `group`, `data_source`, `prompt`, `response_length`, `finish_reason`, `score`, `advantage_mean`. */
  samples: aq.ColumnTable;
  /** One row per (evaluation run, stage, suite): `run`, `stage`, `method`, `suite`, `domain`, `metric`, `value`, `n`. */
  scores: aq.ColumnTable;
  /** Per-question outcomes in [0, 1] (mean over samples): `run`, `stage`, `method`, `suite`, `domain`, `id`, `outcome`. */
  questions: aq.ColumnTable;
  /** Things the reader should know (torn last lines dropped). */
  warnings: string[];
}

const RUN_COLS = [
  "run",
  "method",
  "seed",
  "dir",
  "train_files",
  "train_batch_size",
  "rollout_n",
  "ppo_epochs",
  "devices",
  "samples_per_step",
];
const METRIC_COLS = ["run", "method", "seed", "step", "metric", "value"];
const SAMPLE_COLS = [
  "run",
  "method",
  "step",
  "index",
  "group",
  "data_source",
  "prompt",
  "response_length",
  "finish_reason",
  "score",
  "advantage_mean",
];
const SCORE_COLS = ["run", "stage", "method", "suite", "domain", "metric", "value", "n"];
const QUESTION_COLS = ["run", "stage", "method", "suite", "domain", "id", "outcome"];

type Row = Record<string, unknown>;
interface Acc {
  runs: Row[];
  metrics: Row[];
  samples: Row[];
  scores: Row[];
  questions: Row[];
  warnings: string[];
}

const get = (o: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>(
    (v, k) => (v !== null && typeof v === "object" ? (v as Row)[k] : undefined),
    o,
  );

async function loadTraining(dir: string, run: string, method: string, acc: Acc): Promise<void> {
  const config = await readJsonObject(join(dir, "config.json"));
  const seed = (get(config, "kit.seed") ?? get(config, "data.seed") ?? null) as number | null;
  acc.runs.push({
    run,
    method,
    seed,
    dir,
    train_files: String(get(config, "data.train_files") ?? ""),
    train_batch_size: get(config, "data.train_batch_size") ?? null,
    rollout_n: get(config, "actor_rollout_ref.rollout.n") ?? 1,
    ppo_epochs: get(config, "actor_rollout_ref.actor.ppo_epochs") ?? 1,
    devices: Number(get(config, "trainer.nnodes") ?? 1) *
      Number(get(config, "trainer.n_gpus_per_node") ?? 1),
    samples_per_step: get(config, "kit.samples_per_step") ?? null,
  });
  const file = join(dir, "metrics.jsonl");
  for (const { value, line } of await readJsonl(file, acc.warnings)) {
    // verl's file logger writes {"step": N, "data": {...}}; the kit writes flat lines.
    const flat = (typeof value.data === "object" && value.data !== null
      ? { "training/global_step": value.step, ...(value.data as Row) }
      : value) as Row;
    const step = flat["training/global_step"];
    if (typeof step !== "number" || !Number.isInteger(step)) {
      throw new RunFormatError(file, "no integer training/global_step", line);
    }
    for (const [metric, v] of Object.entries(flat)) {
      if (metric === "training/global_step" || typeof v !== "number") {
        continue;
      }
      acc.metrics.push({ run, method, seed, step, metric, value: v });
    }
  }
  const samplesDir = join(dir, "samples");
  const files = (await pathExists(samplesDir))
    ? [...Deno.readDirSync(samplesDir)].map((e) => e.name).filter((n) =>
      /^step-\d+\.jsonl$/.test(n)
    )
    : [];
  for (const name of files.sort((a, b) => parseInt(a.slice(5)) - parseInt(b.slice(5)))) {
    const f = join(samplesDir, name);
    for (const { value: s, line } of await readJsonl(f, acc.warnings)) {
      if (typeof s.response_length !== "number" || typeof s.score !== "number") {
        throw new RunFormatError(f, "a sample needs numeric response_length and score", line);
      }
      acc.samples.push({
        run,
        method,
        step: typeof s.step === "number" ? s.step : parseInt(name.slice(5)),
        index: s.index ?? line - 1,
        group: s.group ?? null,
        data_source: s.data_source ?? null,
        prompt: JSON.stringify(s.prompt ?? null),
        response_length: s.response_length,
        finish_reason: s.finish_reason ?? null,
        score: s.score,
        advantage_mean: s.advantage_mean ?? null,
      });
    }
  }
}

async function loadQuestions(
  dir: string,
  suite: Row,
  key: Row,
  acc: Acc,
): Promise<void> {
  const name = String(suite.suite);
  const records = join(dir, `${name}.jsonl`);
  const byId = new Map<string, number[]>();
  if (suite.domain === "chat") {
    const file = join(dir, `${name}.rm.jsonl`);
    const rm = get(suite, "chat.reward_model");
    const lines = (await pathExists(file)) ? await readJsonl(file, acc.warnings) : [];
    const baseline = new Map<string, number>();
    for (const { value: l, line } of lines) {
      if (typeof l.id !== "string" || typeof l.score !== "number") {
        throw new RunFormatError(file, "a score line needs a string id and a numeric score", line);
      }
      if (rm !== undefined && l.rm !== rm) continue;
      if (l.side === "baseline") baseline.set(l.id, l.score);
    }
    for (const { value: l } of lines) {
      const b = baseline.get(l.id as string);
      if (l.side !== "ours" || b === undefined || (rm !== undefined && l.rm !== rm)) continue;
      byId.set(l.id as string, [
        ...(byId.get(l.id as string) ?? []),
        sigmoid(l.score as number - b),
      ]);
    }
  } else if (await pathExists(records)) {
    for (const { value: r, line } of await readJsonl(records, acc.warnings)) {
      if (typeof r.id !== "string" || !(typeof r.correct === "boolean" || r.correct === null)) {
        throw new RunFormatError(records, "a record needs a string id and boolean correct", line);
      }
      byId.set(r.id, [...(byId.get(r.id) ?? []), r.correct === true ? 1 : 0]);
    }
  }
  for (const [id, xs] of byId) {
    const outcome = xs.reduce((a, b) => a + b, 0) / xs.length;
    acc.questions.push({ ...key, suite: name, domain: suite.domain, id, outcome });
  }
}

async function loadEval(dir: string, run: string, stage: string, acc: Acc): Promise<void> {
  const file = join(dir, "summary.json");
  const summary = await readJsonObject(file);
  if (!Array.isArray(summary.suites)) throw new RunFormatError(file, "no suites array");
  const key = { run, stage, method: methodOf(stage) };
  for (const [i, s] of (summary.suites as Row[]).entries()) {
    if (typeof s?.suite !== "string" || !["chat", "math", "code"].includes(s.domain as string)) {
      throw new RunFormatError(
        file,
        `suites[${i}] needs a suite name and a domain (chat/math/code)`,
      );
    }
    if (!(typeof s.value === "number" || s.value === null)) {
      throw new RunFormatError(file, `suites[${i}] (${s.suite}): value must be a number or null`);
    }
    acc.scores.push({
      ...key,
      suite: s.suite,
      domain: s.domain,
      metric: s.metric ?? null,
      value: s.value,
      n: s.tasks ?? null,
    });
    await loadQuestions(dir, s, key, acc);
  }
}

const NOT_STAGES = new Set(["eval", "samples", "checkpoints", "artifacts", "nan"]);

async function loadPath(path: string, acc: Acc): Promise<void> {
  const info = await Deno.stat(path).catch(() => null);
  if (info === null || !info.isDirectory) {
    throw new RunFormatError(path, info === null ? "no such run directory" : "not a directory");
  }
  const name = basename(path.replace(/\/+$/, ""));
  let found = 0;
  if (await pathExists(join(path, "metrics.jsonl"))) {
    await loadTraining(path, name, methodOf(name), acc);
    found++;
  }
  if (await pathExists(join(path, "summary.json"))) {
    const stage = name === "eval" ? basename(join(path, "..")) : name;
    await loadEval(path, stage, stage, acc);
    found++;
  }
  const subdirs = [...Deno.readDirSync(path)].filter((e) => e.isDirectory).map((e) => e.name)
    .sort();
  for (const sub of subdirs.filter((s) => !NOT_STAGES.has(s))) {
    if (!(await pathExists(join(path, sub, "metrics.jsonl")))) continue;
    await loadTraining(join(path, sub), `${name}/${sub}`, methodOf(sub), acc);
    found++;
  }
  const evalDir = join(path, "eval");
  if (await pathExists(join(evalDir, "summary.json"))) {
    await loadEval(evalDir, name, name, acc);
    found++;
  } else if (await pathExists(evalDir)) {
    for (const e of [...Deno.readDirSync(evalDir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (!e.isDirectory || !(await pathExists(join(evalDir, e.name, "summary.json")))) continue;
      await loadEval(join(evalDir, e.name), name, e.name, acc);
      found++;
    }
  }
  if (found === 0) {
    throw new RunFormatError(
      path,
      "not a run directory: expected metrics.jsonl (training run), summary.json (evaluation) " +
        "or stage directories holding them (a reproduce output)",
    );
  }
}

/**
 * Loads any set of run directories: training runs, evaluation runs, and `deno task
 * reproduce` outputs (whose stage directories become runs named `OUT/<stage>`, and whose
 * `eval/<stage>/` become stages of the evaluation run `OUT`).
 *
 * @param paths run directories (any mix of kinds)
 * @returns the tables
 * @throws {RunFormatError} naming the missing or malformed file (and line)
 *
 * @example
 * ```ts ignore
 * const set = await loadRuns(["runs/reproduce"]);
 * set.scores.print();
 * ```
 */
export async function loadRuns(paths: readonly string[]): Promise<RunSet> {
  const acc: Acc = { runs: [], metrics: [], samples: [], scores: [], questions: [], warnings: [] };
  for (const p of paths) await loadPath(p, acc);
  return {
    runs: tableOf(acc.runs, RUN_COLS),
    metrics: tableOf(acc.metrics, METRIC_COLS),
    samples: tableOf(acc.samples, SAMPLE_COLS),
    scores: tableOf(acc.scores, SCORE_COLS),
    questions: tableOf(acc.questions, QUESTION_COLS),
    warnings: acc.warnings,
  };
}
