/**
 * Import a verl run into the kit's run layout (`deno task import-verl`), so `deno task eval`,
 * `deno task figures` and the notebooks read it as a kit run (DESIGN.md "Run directories"):
 *
 * - metrics: verl's console logger lines (`step:N - key:value - ...`, also behind Ray's
 *   `(TaskRunner pid=...)` prefix; numpy reprs such as `np.float64(0.5)` accepted) and/or its
 *   file logger's JSONL (`{"step": N, "data": {...}}`) -> `RUN/metrics.jsonl`, one line per
 *   step with `training/global_step` (the file logger wins where both have a step);
 * - checkpoints: `global_step_N/actor/` with a merged HF directory (what `verl.model_merger`
 *   writes: `config.json` + `*.safetensors`; `actor/` itself, `actor/huggingface_merged/` or
 *   any child) -> `RUN/checkpoints/step-N/policy/` (and `critic/` when merged), plus `latest`;
 *   unmerged FSDP shards are refused with the merger command;
 * - `RUN/config.json` from the export's `kit_config.json` when the run directory has one.
 *
 * @module
 */

import { basename, join, relative } from "node:path";
import { configHash } from "../rl/config.ts";
import { RunDir } from "../rl/run_dir.ts";
import { pathExists } from "../util/fs.ts";

/** One step's metrics (verl's names) with `training/global_step`. */
export type MetricsRow = Record<string, number>;

const NUM = String.raw`[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf|infinity)`;
const VALUE = new RegExp(
  String.raw`^(?:np\.\w+\((${NUM})\)|tensor\((${NUM})[^)]*\)|(${NUM}))$`,
  "i",
);

/** A logged value as a number (numpy and torch reprs unwrapped), or null when it is none. */
function parseValue(text: string): number | null {
  const m = VALUE.exec(text.trim());
  if (!m) return null;
  const t = (m[1] ?? m[2] ?? m[3]).toLowerCase();
  if (t.endsWith("nan")) return NaN;
  if (t.includes("inf")) return t.startsWith("-") ? -Infinity : Infinity;
  return Number(t);
}

/**
 * Parses verl's console logger output (`LocalLogger`: `step:N - key:value - ...`).
 *
 * @param text the log (other lines are skipped)
 * @returns one row per step line, in order (a repeated step keeps the last)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseVerlConsoleLog } from "./verl_import.ts";
 * const rows = parseVerlConsoleLog("(TaskRunner pid=7) step:3 - critic/score/mean:np.float64(0.5) - actor/lr:1e-06");
 * assert.deepEqual(rows, [{ "training/global_step": 3, "critic/score/mean": 0.5, "actor/lr": 1e-6 }]);
 * ```
 */
export function parseVerlConsoleLog(text: string): MetricsRow[] {
  const bySteps = new Map<number, MetricsRow>();
  for (const line of text.split("\n")) {
    const at = line.search(/(?:^|[\s)])step:\d+ - /);
    if (at < 0) continue;
    const parts = line.slice(line.indexOf("step:", at)).trim().split(" - ");
    const step = Number(parts[0].slice("step:".length));
    const row: MetricsRow = { "training/global_step": step };
    for (const p of parts.slice(1)) {
      const colon = p.lastIndexOf(":");
      if (colon <= 0) continue;
      const v = parseValue(p.slice(colon + 1));
      if (v !== null) row[p.slice(0, colon)] = v;
    }
    row["training/global_step"] = step;
    bySteps.set(step, row);
  }
  return [...bySteps.values()];
}

/**
 * Parses verl's file logger JSONL (`FileLogger`: `{"step": N, "data": {...}}` per line).
 *
 * @param text the file
 * @param file its name, for errors
 * @returns one row per step (non-numeric values dropped)
 * @throws naming file:line for a line that is not such an object
 */
export function parseVerlFileLog(text: string, file: string): MetricsRow[] {
  const bySteps = new Map<number, MetricsRow>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let rec: { step?: unknown; data?: unknown };
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not JSON: ${(e as Error).message}`);
    }
    if (typeof rec?.step !== "number" || typeof rec.data !== "object" || rec.data === null) {
      throw new Error(`${file}:${i + 1}: expected verl's {"step": N, "data": {...}}`);
    }
    const row: MetricsRow = {};
    for (const [k, v] of Object.entries(rec.data)) if (typeof v === "number") row[k] = v;
    row["training/global_step"] = rec.step;
    bySteps.set(rec.step, row);
  });
  return [...bySteps.values()];
}

/** A checkpoint found in a verl run. */
export interface VerlCheckpoint {
  /** N of `global_step_N`. */
  step: number;
  /** The merged HF directory of the actor. */
  policy: string;
  /** The merged HF directory of the critic, when there is one. */
  critic: string | null;
}

async function listDir(dir: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function isMergedHf(dir: string): Promise<boolean> {
  if (!await pathExists(join(dir, "config.json"))) return false;
  return (await listDir(dir)).some((e) => e.isFile && e.name.endsWith(".safetensors"));
}

/** The merged HF directory under a role directory (`actor/`), null if none. */
async function mergedUnder(role: string): Promise<string | null> {
  if (await isMergedHf(role)) return role;
  for (const e of await listDir(role)) {
    if (e.isDirectory && await isMergedHf(join(role, e.name))) return join(role, e.name);
  }
  return null;
}

function mergerCommand(roleDir: string): string {
  return `python3 -m verl.model_merger merge --backend fsdp --local_dir ${roleDir} ` +
    `--target_dir ${join(roleDir, "huggingface_merged")}`;
}

/** `global_step_N` directories up to 5 levels below `root`. */
async function stepDirs(root: string, depth = 0): Promise<string[]> {
  const out: string[] = [];
  if (depth > 5) return out;
  for (const e of await listDir(root)) {
    if (!e.isDirectory || e.name.startsWith(".")) continue;
    const p = join(root, e.name);
    if (/^global_step_\d+$/.test(e.name)) out.push(p);
    else out.push(...await stepDirs(p, depth + 1));
  }
  return out;
}

/**
 * Finds verl's checkpoints under a run directory.
 *
 * @param root the run (or export) directory
 * @returns the checkpoints by step
 * @throws for an actor directory holding only FSDP shards (`model_world_size_*_rank_*.pt`,
 *   `huggingface/` with a config but no weights), with the merger command
 */
export async function findVerlCheckpoints(root: string): Promise<VerlCheckpoint[]> {
  const out: VerlCheckpoint[] = [];
  for (const dir of await stepDirs(root)) {
    const step = Number(basename(dir).slice("global_step_".length));
    const actor = join(dir, "actor");
    if (!await pathExists(actor)) continue;
    const policy = await mergedUnder(actor);
    if (policy === null) {
      const names = (await listDir(actor)).map((e) => e.name);
      const shards = names.filter((n) => /^model_world_size_\d+_rank_\d+\.pt$/.test(n));
      const what = shards.length > 0
        ? `FSDP shards (${shards.slice(0, 2).join(", ")}${shards.length > 2 ? ", ..." : ""})`
        : names.includes("huggingface")
        ? "huggingface/ with a config but no weights (verl's FSDP layout)"
        : `no HF model directory (found: ${names.join(", ") || "nothing"})`;
      throw new Error(
        `${actor}: ${what}; merge it into an HF directory first:\n  ${mergerCommand(actor)}`,
      );
    }
    const criticDir = join(dir, "critic");
    const critic = await pathExists(criticDir) ? await mergedUnder(criticDir) : null;
    out.push({ step, policy, critic });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** Log files verl writes for a run exported by export-verl, or given in `logs`. */
async function findLogs(root: string): Promise<{ console: string[]; jsonl: string[] }> {
  const logs = join(root, "logs");
  const out = { console: [] as string[], jsonl: [] as string[] };
  const dirs = [root, ...(await pathExists(logs) ? [logs] : [])];
  for (const d of dirs) {
    for (const e of await listDir(d)) {
      if (!e.isFile) continue;
      if (e.name.endsWith(".log") || e.name.endsWith(".txt")) out.console.push(join(d, e.name));
      if (e.name.endsWith(".jsonl")) out.jsonl.push(join(d, e.name));
    }
  }
  return out;
}

/** Options of {@link importVerl}. */
export interface ImportVerlOptions {
  /** Console log files (default: `*.log`/`*.txt` in the run dir and its `logs/`). */
  consoleLogs?: string[];
  /** File-logger JSONL files (default: `*.jsonl` there). */
  jsonlLogs?: string[];
}

/** What {@link importVerl} did. */
export interface ImportVerlResult {
  /** Metric rows written. */
  steps: number;
  /** Checkpoint steps imported. */
  checkpoints: number[];
  /** Whether config.json was written. */
  config: boolean;
  /** The log files read. */
  logs: string[];
}

async function copyDir(src: string, dst: string): Promise<void> {
  await Deno.mkdir(dst, { recursive: true });
  for (const e of await listDir(src)) {
    if (e.isFile) await Deno.copyFile(join(src, e.name), join(dst, e.name));
  }
}

/**
 * Imports a verl run directory into a kit run directory.
 *
 * @param run the verl run (an export-verl directory, or verl's `default_local_dir` with logs)
 * @param out the kit run directory to write
 * @param options log files when not in the default places
 * @returns what was imported
 * @throws when `run` holds neither verl metrics nor checkpoints (naming what was looked for),
 *   for FSDP shards (with the merger command), or for malformed logs (file:line)
 */
export async function importVerl(
  run: string,
  out: string,
  options: ImportVerlOptions = {},
): Promise<ImportVerlResult> {
  if (!await pathExists(run)) throw new Error(`${run}: no such directory`);
  const found = await findLogs(run);
  const consoleLogs = options.consoleLogs ?? found.console;
  const jsonlLogs = options.jsonlLogs ?? found.jsonl;
  const rows = new Map<number, MetricsRow>();
  for (const f of consoleLogs) {
    for (const r of parseVerlConsoleLog(await Deno.readTextFile(f))) {
      rows.set(r["training/global_step"], r);
    }
  }
  for (const f of jsonlLogs) {
    for (const r of parseVerlFileLog(await Deno.readTextFile(f), f)) {
      rows.set(r["training/global_step"], { ...rows.get(r["training/global_step"]), ...r });
    }
  }
  const ckpts = await findVerlCheckpoints(run);
  if (rows.size === 0 && ckpts.length === 0) {
    throw new Error(
      `${run}: not a verl run: no console log with "step:N - key:value" lines (*.log, logs/*.log), ` +
        `no file-logger JSONL, and no global_step_N/actor checkpoint below it`,
    );
  }
  const dir = new RunDir(out);
  await dir.create();
  const steps = [...rows.keys()].sort((a, b) => a - b);
  await Deno.writeTextFile(
    dir.metricsFile,
    steps.map((s) => JSON.stringify(rows.get(s)) + "\n").join(""),
  );
  for (const c of ckpts) {
    const target = dir.checkpointDir(c.step);
    await copyDir(c.policy, join(target, "policy"));
    if (c.critic) await copyDir(c.critic, join(target, "critic"));
    await Deno.writeTextFile(
      join(target, "verl_source.json"),
      JSON.stringify({ policy: c.policy, critic: c.critic, step: c.step }) + "\n",
    );
  }
  if (ckpts.length > 0) await dir.setLatest(ckpts.at(-1)!.step);
  const kitConfig = join(run, "kit_config.json");
  const config = await pathExists(kitConfig);
  if (config) {
    const cfg = JSON.parse(await Deno.readTextFile(kitConfig));
    await dir.writeConfig({ ...cfg, config_hash: configHash(cfg) });
  }
  return {
    steps: steps.length,
    checkpoints: ckpts.map((c) => c.step),
    config,
    logs: [...consoleLogs, ...jsonlLogs].map((f) => relative(run, f)),
  };
}
