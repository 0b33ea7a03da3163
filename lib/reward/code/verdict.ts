/**
 * Turning how a sandboxed process ended into a verdict with a reason: `ok`, `exit code N`,
 * `timeout`, `cpu time limit`, `memory`, `output limit`, `file size limit`, `signal N (SIGX)`.
 *
 * @module
 */

/** The kind of ending, for code that branches on it (the `reason` is for people). */
export type SandboxStatus =
  | "ok"
  | "exit"
  | "timeout"
  | "cpu"
  | "memory"
  | "output"
  | "file-size"
  | "signal";

/** A classified ending. */
export interface Verdict {
  /** The kind of ending. */
  status: SandboxStatus;
  /** One short phrase: `ok`, `exit code 1`, `timeout`, `memory`, `signal 11 (SIGSEGV)`, ... */
  reason: string;
}

const SIGNALS: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  10: "SIGUSR1",
  11: "SIGSEGV",
  12: "SIGUSR2",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  24: "SIGXCPU",
  25: "SIGXFSZ",
  31: "SIGSYS",
};

/**
 * Messages Python, Node/V8, Deno and libc print when an allocation fails (under RLIMIT_AS,
 * or at V8's heap limit: Deno's `--v8-flags=--max-old-space-size` prints "Fatal JavaScript
 * out of memory").
 */
const MEMORY_PATTERNS = [
  /\bMemoryError\b/,
  /JavaScript heap out of memory/,
  /Fatal JavaScript out of memory/,
  /Array buffer allocation failed/,
  /Fatal process out of memory/,
  /std::bad_alloc/,
  /Cannot allocate memory/,
];

/**
 * Whether a stderr text shows an allocation failure.
 *
 * @param stderr the captured standard error
 * @returns true when a known out-of-memory message appears
 */
export function looksLikeMemoryError(stderr: string): boolean {
  return MEMORY_PATTERNS.some((re) => re.test(stderr));
}

/** How a process ended, as the harness saw it. */
export interface Ending {
  /** Exit code reported for the sandbox (bubblewrap reports a signal N of its child as 128+N). */
  code: number;
  /** Signal that ended the launcher itself (our own kill), if any. */
  signal: string | null;
  /** The harness killed it at the wall-clock limit. */
  timedOut: boolean;
  /** The harness killed it because stdout or stderr passed the byte cap. */
  outputLimited: boolean;
  /** The captured standard error (possibly truncated). */
  stderr: string;
}

/**
 * Classifies how a sandboxed process ended; the harness's own kills come first, then
 * memory messages, then signals (128+N exit codes), then the exit code.
 *
 * @param e the ending
 * @returns status and reason
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyEnding } from "./verdict.ts";
 * const base = { signal: null, timedOut: false, outputLimited: false, stderr: "" };
 * assert.equal(classifyEnding({ ...base, code: 139 }).reason, "signal 11 (SIGSEGV)");
 * assert.equal(classifyEnding({ ...base, code: 1 }).reason, "exit code 1");
 * ```
 */
export function classifyEnding(e: Ending): Verdict {
  if (e.timedOut) return { status: "timeout", reason: "timeout" };
  if (e.outputLimited) return { status: "output", reason: "output limit" };
  if (e.code !== 0 && looksLikeMemoryError(e.stderr)) return { status: "memory", reason: "memory" };
  if (e.signal !== null) return { status: "signal", reason: `signal ${e.signal}` };
  if (e.code === 0) return { status: "ok", reason: "ok" };
  if (e.code > 128 && e.code < 128 + 65) {
    const n = e.code - 128;
    if (n === 24) return { status: "cpu", reason: "cpu time limit" };
    if (n === 25) return { status: "file-size", reason: "file size limit" };
    const name = SIGNALS[n];
    return { status: "signal", reason: `signal ${n}${name ? ` (${name})` : ""}` };
  }
  return { status: "exit", reason: `exit code ${e.code}` };
}

/** The verdict on one program (a HumanEval program, an MBPP+ solution, a MultiPL-E file). */
export interface ProgramVerdict {
  /** Whether it passed its tests. */
  passed: boolean;
  /** `ok`, `timeout`, `memory`, `failed: AssertionError`, `type error`, `exit code 1`, ... */
  reason: string;
  /** More detail for people: the exception message, tsc's first error, stderr's tail. */
  detail: string;
  /** Wall-clock milliseconds spent in sandboxes for it. */
  wallMs: number;
  /** False when it ran without a sandbox (`allowUnsandboxed`). */
  sandboxed: boolean;
}
