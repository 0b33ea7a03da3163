/**
 * MBPP+ judged as evalplus does (`evalplus/evaluate.py`, `evalplus/eval/__init__.py`).
 *
 * The data stores inputs but no expected outputs: the canonical solution is run on every
 * base and plus input (in the sandbox) to get them and their times, cached per task under
 * the cache dir, keyed by the sha256 of the task's JSONL record (so any change to the data
 * recomputes it). A candidate then passes when it passes every base input and every plus
 * input, each within `max(4 s, 4 x canonical time)`, compared with `==`, floats with `atol`
 * (1e-6 when the task's is 0) via `np.allclose`, and the special oracles evalplus lists.
 *
 * Records are passed to the sandbox as their raw JSONL text: MBPP+ holds integers beyond
 * 2^53 and `Infinity`, which a JavaScript round trip would change.
 *
 * @module
 */

import { join } from "node:path";
import { defaultCacheDir } from "../../data/resolve.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import {
  exceptionReason,
  type PythonRunOptions,
  runnerVerdict,
  runPythonRunner,
} from "./python.ts";
import type { ProgramVerdict } from "./verdict.ts";

/** Options for MBPP+ checks. */
export interface EvalPlusOptions extends Omit<PythonRunOptions, "timeoutS"> {
  /** Where expected outputs are cached. @default `<data cache>/mbppplus-expected` */
  cacheDir?: string;
}

/**
 * The default cache directory of expected outputs.
 *
 * @returns `defaultCacheDir()/mbppplus-expected`
 */
export function expectedCacheDir(): string {
  return join(defaultCacheDir(), "mbppplus-expected");
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const inFlight = new Map<string, Promise<Uint8Array>>();

/**
 * The expected outputs of one MBPP+ task (a pickle of `{base, plus, base_time, plus_time}`),
 * from the cache or computed by running the canonical solution in the sandbox.
 *
 * @param record the task's JSONL line (raw text)
 * @param options cache dir, unsandboxed opt-in
 * @returns the pickle bytes
 * @throws when the canonical solution fails on its own inputs
 */
export async function mbppExpected(
  record: string,
  options: EvalPlusOptions = {},
): Promise<Uint8Array> {
  const key = await sha256Hex(record);
  const path = join(options.cacheDir ?? expectedCacheDir(), `${key.slice(0, 32)}.pkl`);
  const pending = inFlight.get(path);
  if (pending) return await pending;
  const work = (async () => {
    try {
      return await Deno.readFile(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const r = await runPythonRunner(["expected"], { "task.json": record }, {
      timeoutMs: 300_000,
      memoryBytes: options.memoryBytes,
      allowUnsandboxed: options.allowUnsandboxed,
      maxFileBytes: 256 * 1024 ** 2,
      collect: ["expected.pkl"],
    });
    const bytes = r.files["expected.pkl"];
    if (runnerVerdict(r)?.ok !== true || bytes === undefined) {
      const id = JSON.parse(record).task_id;
      throw new Error(
        `MBPP+ ${id}: the canonical solution failed on its inputs (${r.reason}): ${
          r.stderr.slice(-300)
        }`,
      );
    }
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await writeFileAtomic(path, bytes);
    return bytes;
  })();
  inFlight.set(path, work);
  try {
    return await work;
  } finally {
    inFlight.delete(path);
  }
}

interface PhaseResult {
  status: "pass" | "fail" | "timeout";
  input?: number;
  error_type?: string;
  error?: string;
}

/**
 * Checks a candidate MBPP+ solution (a whole program: `prompt + completion`, or a sample's
 * `solution`) against the task's base and plus inputs, as `evalplus.evaluate` does.
 *
 * @param record the task's JSONL line (raw text)
 * @param solution the program defining the task's `entry_point`
 * @param options cache dir, memory, unsandboxed opt-in
 * @returns the verdict: `ok`, `failed: AssertionError` (wrong output), `timeout`, `memory`, ...
 */
export async function checkMbppSolution(
  record: string,
  solution: string,
  options: EvalPlusOptions = {},
): Promise<ProgramVerdict> {
  const expected = await mbppExpected(record, options);
  // Each phase is bounded by min(60 s, sum of its limits) + 2 s inside; this is the backstop.
  const r = await runPythonRunner(
    ["evalplus"],
    { "task.json": record, "program.py": solution, "expected.pkl": expected },
    {
      timeoutMs: 135_000,
      memoryBytes: options.memoryBytes,
      allowUnsandboxed: options.allowUnsandboxed,
    },
  );
  const v = runnerVerdict(r);
  const base = { wallMs: r.wallMs, sandboxed: r.sandboxed };
  if (v === null || typeof v.base !== "object") {
    return {
      passed: false,
      reason: r.status === "ok" ? "no verdict" : r.reason,
      detail: r.stderr.slice(-500),
      ...base,
    };
  }
  for (const phase of ["base", "plus"] as const) {
    const p = v[phase] as PhaseResult | undefined;
    if (p === undefined) continue;
    if (p.status === "pass") continue;
    const where = p.input === undefined
      ? `${phase} (loading the solution)`
      : `${phase} input #${p.input}`;
    const detail = `${where}: ${p.error_type ?? p.status}${p.error ? `: ${p.error}` : ""}`;
    const reason = p.status === "timeout" ? "timeout" : exceptionReason(p.error_type);
    return { passed: false, reason, detail, ...base };
  }
  return { passed: true, reason: "ok", detail: "", ...base };
}
