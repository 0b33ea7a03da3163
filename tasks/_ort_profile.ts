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
