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
import { sha256Hex } from "../../util/hash.ts";
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
  /**
   * Skip the plus inputs once a base input fails (the task fails either way; `plus_status`
   * is then null). evalplus itself always runs both. @default false
   */
  stopAtFirstFailure?: boolean;
}

/** evalplus' status of one phase (`evalplus/eval/__init__.py`: PASS, FAIL, TIMEOUT). */
export type EvalPlusStatus = "pass" | "fail" | "timeout";

/** The verdict on an MBPP+ solution, with evalplus' per-phase statuses. */
export interface MbppVerdict extends ProgramVerdict {
  /** The base inputs' status, as `eval_results.json` names it. */
  base_status: EvalPlusStatus;
  /** The plus inputs' status; null when they were not run (`stopAtFirstFailure`). */
  plus_status: EvalPlusStatus | null;
}

/**
 * The default cache directory of expected outputs.
 *
 * @returns `defaultCacheDir()/mbppplus-expected`
 */
export function expectedCacheDir(): string {
  return join(defaultCacheDir(), "mbppplus-expected");
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
  const key = sha256Hex(record);
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
  status: EvalPlusStatus;
  input?: number;
  error_type?: string;
  error?: string;
}

function phaseStatus(p: PhaseResult | undefined): EvalPlusStatus | null {
  if (p === undefined) return null;
  return p.status === "pass" || p.status === "timeout" ? p.status : "fail";
}

/**
 * Checks a candidate MBPP+ solution (a whole program: `prompt + completion`, or a sample's
 * `solution`) against the task's base and plus inputs, as evalplus' `check_correctness` does:
 * each phase runs in its own process (`untrusted_check`); the task passes when both pass.
 *
 * @param record the task's JSONL line (raw text)
 * @param solution the program defining the task's `entry_point`
 * @param options cache dir, memory, unsandboxed opt-in, early stop
 * @returns the verdict (`ok`, `failed: AssertionError` (wrong output), `timeout`, `memory`,
 *   ...) with `base_status` and `plus_status`
 */
export async function checkMbppSolution(
  record: string,
  solution: string,
  options: EvalPlusOptions = {},
): Promise<MbppVerdict> {
  const expected = await mbppExpected(record, options);
  // Each phase is bounded by min(60 s, sum of its limits) + 2 s inside; this is the backstop.
  const r = await runPythonRunner(
    ["evalplus", options.stopAtFirstFailure ? "until-fail" : "all"],
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
    // The sandbox ended the whole check (its own limits): evalplus reports a killed check as
    // a timeout.
    return {
      passed: false,
      reason: r.status === "ok" ? "no verdict" : r.reason,
      detail: r.stderr.slice(-500),
      base_status: "timeout",
      plus_status: null,
      ...base,
    };
  }
  const phases = { base: v.base as PhaseResult, plus: v.plus as PhaseResult | undefined };
  const statuses = {
    base_status: phaseStatus(phases.base)!,
    plus_status: phaseStatus(phases.plus),
  };
  for (const phase of ["base", "plus"] as const) {
    const p = phases[phase];
    if (p === undefined || p.status === "pass") continue;
    const where = p.input === undefined
      ? `${phase} (loading the solution)`
      : `${phase} input #${p.input}`;
    const detail = `${where}: ${p.error_type ?? p.status}${p.error ? `: ${p.error}` : ""}`;
    const reason = p.status === "timeout" ? "timeout" : exceptionReason(p.error_type);
    return { passed: false, reason, detail, ...statuses, ...base };
  }
  const passed = statuses.base_status === "pass" && statuses.plus_status === "pass";
  return { passed, reason: passed ? "ok" : "no verdict", detail: "", ...statuses, ...base };
}
