/**
 * Python programs in the sandbox: HumanEval programs judged as openai/human-eval does, plain
 * scripts, and the shared pieces (runner files, verdict parsing) that `evalplus.ts` uses.
 *
 * The judging logic lives in `python_runner.py` (run inside the sandbox): it `exec`s the
 * program under human-eval's `reliability_guard`, `swallow_io` and `time_limit`, so a program
 * that calls `sys.exit(0)` fails as it does there, and reports one JSON verdict.
 *
 * @module
 */

import { pythonInterpreter } from "./sandbox_env.ts";
import { runSandboxed, type SandboxOptions, type SandboxResult } from "./sandbox.ts";
import { sandboxSlots } from "./pool.ts";
import type { ProgramVerdict } from "./verdict.ts";

/** Options for Python runs. */
export interface PythonRunOptions {
  /** Time limit of the program in seconds. @default 3 (human-eval) */
  timeoutS?: number;
  /** RLIMIT_AS in bytes. @default 4 GiB */
  memoryBytes?: number;
  /** Run without a sandbox when none works here (loud warning). @default false */
  allowUnsandboxed?: boolean;
}

const assetCache = new Map<string, Promise<string>>();

/**
 * Reads a file that ships beside this module (works for file: and https: module URLs).
 *
 * @param name the file name in `lib/reward/code/`
 * @returns its text
 */
export function codeAsset(name: string): Promise<string> {
  let p = assetCache.get(name);
  if (p === undefined) {
    p = fetch(new URL(`./${name}`, import.meta.url)).then(async (r) => {
      if (!r.ok) throw new Error(`cannot read ${name} beside ${import.meta.url}: ${r.status}`);
      return await r.text();
    });
    assetCache.set(name, p);
  }
  return p;
}

/**
 * The runner files every Python sandbox gets.
 *
 * @returns file name -> text
 */
export async function pythonRunnerFiles(): Promise<Record<string, string>> {
  return {
    "python_runner.py": await codeAsset("python_runner.py"),
    "mbpp_inputs.py": await codeAsset("mbpp_inputs.py"),
  };
}

/**
 * Runs `python_runner.py` in a sandbox (through the shared worker slots).
 *
 * @param args runner arguments (mode first)
 * @param files extra files for the work dir
 * @param options sandbox options (time limit etc.)
 * @returns the sandbox result
 */
export async function runPythonRunner(
  args: string[],
  files: Record<string, string | Uint8Array>,
  options: Omit<SandboxOptions, "files">,
): Promise<SandboxResult> {
  const py = pythonInterpreter();
  const all = { ...(await pythonRunnerFiles()), ...files };
  return await sandboxSlots().run(() =>
    runSandboxed([py.path, "-B", "python_runner.py", ...args], {
      ...options,
      files: all,
      binds: [...py.binds, ...(options.binds ?? [])],
    })
  );
}

/**
 * The runner's JSON verdict (last stdout line), or null when it printed none.
 *
 * @param r the sandbox result
 * @returns the parsed object or null
 */
export function runnerVerdict(r: SandboxResult): Record<string, unknown> | null {
  const lines = r.stdout.trim().split("\n");
  try {
    const v = JSON.parse(lines[lines.length - 1]);
    return v !== null && typeof v === "object" ? v as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

/**
 * The verdict when the runner left none: the sandbox's own reason (timeout, memory, signal).
 *
 * @param r the sandbox result
 * @returns a failing verdict
 */
export function sandboxFailure(r: SandboxResult): ProgramVerdict {
  const reason = r.status === "ok" ? "no verdict" : r.reason;
  return {
    passed: false,
    reason,
    detail: r.stderr.slice(-500),
    wallMs: r.wallMs,
    sandboxed: r.sandboxed,
  };
}

/**
 * Maps a Python exception type to a reason: `memory` for MemoryError, else `failed: Type`.
 *
 * @param type the exception class name
 * @returns the reason
 */
export function exceptionReason(type: unknown): string {
  if (type === "MemoryError") return "memory";
  if (type === "TimeoutException") return "timeout";
  return `failed: ${typeof type === "string" ? type : "error"}`;
}

/**
 * Runs a HumanEval program (`prompt + completion + "\n" + test + "\n" + "check(entry_point)"`)
 * exactly as human-eval's `check_correctness` does: passed, timed out (3 s) or failed.
 *
 * @param program the full program
 * @param options time limit, memory, unsandboxed opt-in
 * @returns the verdict (`ok`, `timeout`, `memory`, `failed: AssertionError`, ...)
 */
export async function runHumanEvalProgram(
  program: string,
  options: PythonRunOptions = {},
): Promise<ProgramVerdict> {
  const timeoutS = options.timeoutS ?? 3;
  // human-eval joins the process at timeout + 1 s; one more second covers interpreter start.
  const r = await runPythonRunner(["humaneval", String(timeoutS)], { "program.py": program }, {
    timeoutMs: (timeoutS + 2) * 1000,
    memoryBytes: options.memoryBytes,
    allowUnsandboxed: options.allowUnsandboxed,
  });
  const v = runnerVerdict(r);
  if (v === null || typeof v.result !== "string") return sandboxFailure(r);
  const base = { wallMs: r.wallMs, sandboxed: r.sandboxed };
  if (v.result === "passed") return { passed: true, reason: "ok", detail: "", ...base };
  if (v.result === "timed out") return { passed: false, reason: "timeout", detail: "", ...base };
  return { passed: false, reason: exceptionReason(v.error_type), detail: v.result, ...base };
}

/**
 * Runs a plain Python script (`python3 main.py`) in the sandbox: passes iff it exits with 0.
 *
 * @param source the script
 * @param options time limit (default 10 s), memory, unsandboxed opt-in
 * @returns the verdict with the sandbox's reason
 */
export async function runPythonScript(
  source: string,
  options: PythonRunOptions = {},
): Promise<ProgramVerdict & { stdout: string; stderr: string }> {
  const py = pythonInterpreter();
  const r = await sandboxSlots().run(() =>
    runSandboxed([py.path, "-B", "main.py"], {
      timeoutMs: (options.timeoutS ?? 10) * 1000,
      memoryBytes: options.memoryBytes,
      allowUnsandboxed: options.allowUnsandboxed,
      files: { "main.py": source },
      binds: py.binds,
    })
  );
  return {
    passed: r.status === "ok",
    reason: r.reason,
    detail: r.stderr.slice(-500),
    wallMs: r.wallMs,
    sandboxed: r.sandboxed,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}
