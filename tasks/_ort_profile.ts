/**
 * Reads an onnxruntime profile (the JSON trace `enableProfiling` writes) and summarises where
 * the time goes: per op type, milliseconds per run and share of the kernel time. Private to
 * the bench tasks.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

/**
 * Summarises the newest profile written with `prefix` (onnxruntime appends a timestamp).
 *
 * @param prefix the `profilePrefix` the session was created with
 * @param top how many op types to list @default 12
 * @returns a few lines of text (or a note that no profile was found)
 */
export async function summarizeProfile(prefix: string, top = 12): Promise<string> {
  const dir = dirname(prefix), base = basename(prefix);
  let newest: { path: string; mtime: number } | null = null;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.startsWith(base) || !e.name.endsWith(".json")) continue;
    const path = join(dir, e.name);
    const mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    if (!newest || mtime > newest.mtime) newest = { path, mtime };
  }
  if (!newest) return `  (no onnxruntime profile found for ${prefix}*.json)`;
  const events = JSON.parse(await Deno.readTextFile(newest.path)) as TraceEvent[];
  const runs = Math.max(1, events.filter((e) => e.name === "model_run").length);
  const byOp = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== "Node" || !e.name?.endsWith("_kernel_time") || !e.args?.op_name) continue;
    byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + (e.dur ?? 0));
    total += e.dur ?? 0;
  }
  const rows = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [
    `  profile ${newest.path}: ${(total / runs / 1000).toFixed(1)} ms of kernels per run`,
  ];
  for (const [name, us] of rows) {
    lines.push(
      `    ${name.padEnd(28)}${(us / runs / 1000).toFixed(1).padStart(9)} ms ${
        (100 * us / total).toFixed(1).padStart(6)
      }%`,
    );
  }
  return lines.join("\n");
}

/** One profiled node run: its name, op type, provider, duration (µs) and output shapes. */
export interface ProfiledNode {
  name: string;
  op: string;
  /** The execution provider that ran it (`CPUExecutionProvider`, `WebGpuExecutionProvider`). */
  provider: string;
  us: number;
  /** Start, µs from the trace's origin. */
  ts: number;
  outputShapes: number[][];
}

/** A parsed trace: the session's runs (`model_run` spans) and every node run inside them. */
export interface ProfileTrace {
  path: string;
  runs: { ts: number; us: number; nodes: ProfiledNode[] }[];
}

/** Reads the newest trace written with `prefix` (see {@link summarizeProfile}). */
export async function readProfile(prefix: string): Promise<ProfileTrace> {
  const dir = dirname(prefix), base = basename(prefix);
  let newest: { path: string; mtime: number } | null = null;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.startsWith(base) || !e.name.endsWith(".json")) continue;
    const path = join(dir, e.name);
    const mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    if (!newest || mtime > newest.mtime) newest = { path, mtime };
  }
  if (!newest) throw new Error(`no onnxruntime profile found for ${prefix}*.json`);
  type Ev = TraceEvent & {
    ts?: number;
    args?: {
      op_name?: string;
      provider?: string;
      output_type_shape?: Record<string, number[]>[];
    };
  };
  const events = JSON.parse(await Deno.readTextFile(newest.path)) as Ev[];
  const runs = events.filter((e) => e.name === "model_run").map((e) => ({
    ts: e.ts ?? 0,
    us: e.dur ?? 0,
    nodes: [] as ProfiledNode[],
  })).sort((a, b) => a.ts - b.ts);
  for (const e of events) {
    if (e.cat !== "Node" || !e.name?.endsWith("_kernel_time") || !e.args?.op_name) continue;
    const ts = e.ts ?? 0;
    const run = runs.findLast((r) => r.ts <= ts);
    run?.nodes.push({
      name: e.name.slice(0, -"_kernel_time".length),
      op: e.args.op_name,
      provider: e.args.provider ?? "",
      us: e.dur ?? 0,
      ts,
      outputShapes: (e.args.output_type_shape ?? []).map((o) => Object.values(o)[0] ?? []),
    });
  }
  return { path: newest.path, runs };
}

/** Sums of `us` by a key over nodes, sorted descending. */
export function sumBy(nodes: ProfiledNode[], key: (n: ProfiledNode) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const n of nodes) m.set(key(n), (m.get(key(n)) ?? 0) + n.us);
  return [...m].sort((a, b) => b[1] - a[1]);
}

/**
 * A table of `rows` (key, total µs over `runs` runs): ms per run and share of `totalUs`.
 *
 * @param title the header line
 * @param rows keys with their µs totals
 * @param runs runs the totals cover
 * @param totalUs the 100% reference (µs over all runs)
 * @returns the table's lines
 */
export function msTable(
  title: string,
  rows: [string, number][],
  runs: number,
  totalUs: number,
): string[] {
  const lines = [`  ${title}`];
  for (const [k, us] of rows) {
    lines.push(
      `    ${k.padEnd(34)}${(us / runs / 1000).toFixed(1).padStart(9)} ms ${
        (100 * us / totalUs).toFixed(1).padStart(6)
      }%`,
    );
  }
  return lines;
}
