/**
 * Running untrusted code: one command in a fresh bubblewrap sandbox (layout and limits in
 * `sandbox_argv.ts`), with a per-task work dir created outside the project and removed
 * afterwards, stdin from /dev/null, a wall-clock limit that kills the whole process group,
 * capped stdout/stderr, and a verdict with its reason.
 *
 * Where bubblewrap (or prlimit/setpriv/timeout) is missing, or a probe run fails, untrusted
 * code is refused with {@link SandboxUnavailableError} unless the caller passes
 * `allowUnsandboxed`; then it runs directly (limits via prlimit when present), a warning is
 * printed (once per process) and every result reports `sandboxed: false` (summaries should
 * say so: `sandboxProblem()` tells why).
 *
 * Deno permissions can fence the harness itself: the only programs it starts are the
 * launcher (`setpriv` as root, else `timeout`), so `--allow-run=/usr/bin/setpriv` (or
 * `/usr/bin/timeout`) suffices, with `--allow-sys=uid`, read access to the project and
 * the temp dir, and write access to the temp dir and the expected-output cache.
 *
 * @module
 */

import { join } from "node:path";
import { type Bind, sandboxEnv } from "./sandbox_env.ts";
import { DEFAULT_LIMITS, type SandboxLimits } from "./sandbox_argv.ts";
import { launch, type Launched } from "./sandbox_launch.ts";
import { classifyEnding, type Verdict } from "./verdict.ts";
import { readCapped } from "./_child_process.ts";

export type { Launched };

/**
 * Whether the environment opts into unsandboxed execution (`GRLO_ALLOW_UNSANDBOXED=1`): the
 * default of `allowUnsandboxed` wherever the kit grades code (evaluation suites, verifiers).
 *
 * @returns true only for the explicit value "1"
 */
export function allowUnsandboxedFromEnv(): boolean {
  return Deno.env.get("GRLO_ALLOW_UNSANDBOXED") === "1";
}

/** Untrusted code was refused: no working sandbox and no `allowUnsandboxed`. */
export class SandboxUnavailableError extends Error {
  /** @param detail what is missing or what the probe printed */
  constructor(detail: string) {
    super(
      `refusing to run untrusted code without a sandbox: ${detail}. Install bubblewrap and ` +
        `util-linux (apt-get install bubblewrap util-linux), or pass allowUnsandboxed ` +
        `(--allow-unsandboxed) to run it directly, at your own risk.`,
    );
    this.name = "SandboxUnavailableError";
  }
}

/** Options of {@link runSandboxed}. */
export interface SandboxOptions extends SandboxLimits {
  /** Files written into the work dir before the run (flat names), text or bytes. */
  files?: Record<string, string | Uint8Array>;
  /** Extra read-only binds (e.g. the typescript package, an interpreter prefix). */
  binds?: Bind[];
  /** Environment variables inside (the rest is cleared). */
  env?: Record<string, string>;
  /** Work-dir files to read back after the run (regular files only, never symlinks). */
  collect?: string[];
  /** Run without a sandbox (with a warning) when none works here. @default false */
  allowUnsandboxed?: boolean;
}

/** The outcome of one sandboxed command. */
export interface SandboxResult extends Verdict {
  /** Exit code of the sandbox (128+N when the command died of signal N). */
  exitCode: number;
  /** Captured stdout and stderr, each cut at `maxOutputBytes`. */
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds. */
  wallMs: number;
  /** The collected files that exist as regular files. */
  files: Record<string, Uint8Array>;
  /** False when it ran without a sandbox (`allowUnsandboxed`). */
  sandboxed: boolean;
}

let probe: Promise<string | null> | null = null;
let warned = false;

/**
 * Checks once per process that a sandbox can start here (runs `/usr/bin/true` inside).
 *
 * @returns null when it works, else what is wrong
 */
export function sandboxProblem(): Promise<string | null> {
  if (probe !== null) return probe;
  const p = (async () => {
    const env = sandboxEnv();
    if (env.missing !== null) return env.missing;
    const r = await launchAndWait(["/usr/bin/true"], { timeoutMs: 10_000 }, true);
    return r.exitCode === 0 ? null : `a probe sandbox failed (${r.reason}): ${r.stderr.trim()}`;
  })();
  probe = p;
  p.then((problem) => { // only success is remembered; a failure is probed again next time
    if (problem !== null && probe === p) probe = null;
  });
  return p;
}

async function decide(options: SandboxOptions): Promise<boolean> {
  const problem = await sandboxProblem();
  if (problem === null) return true;
  if (!options.allowUnsandboxed) throw new SandboxUnavailableError(problem);
  if (!warned) {
    warned = true;
    console.warn(`WARNING: running untrusted code WITHOUT a sandbox (${problem})`);
  }
  return false;
}

/**
 * Runs one command in a fresh sandbox and classifies how it ended.
 *
 * @param argv the command inside the sandbox (absolute binary path; work files are relative
 *   to the work dir, which is the current directory)
 * @param options limits, input files, binds, files to collect
 * @returns verdict, exit code, captured output, collected files
 * @throws {SandboxUnavailableError} when no sandbox works here and `allowUnsandboxed` is unset
 *
 * @example
 * ```ts ignore
 * const r = await runSandboxed(["/usr/bin/python3", "main.py"], {
 *   timeoutMs: 3000,
 *   files: { "main.py": "print(1 + 1)" },
 * });
 * // r.reason === "ok", r.stdout === "2\n"
 * ```
 */
export async function runSandboxed(
  argv: string[],
  options: SandboxOptions,
): Promise<SandboxResult> {
  const sandboxed = await decide(options);
  return await launchAndWait(argv, options, sandboxed);
}

/**
 * Starts a command in a new sandbox without waiting for it (used by long-lived helpers such
 * as the TypeScript compile service; stdin may be a pipe for them).
 *
 * @param argv the command inside
 * @param options limits, files, binds
 * @param stdin `"null"` for untrusted programs, `"piped"` for request/response services
 * @returns the running sandbox
 * @throws {SandboxUnavailableError} as {@link runSandboxed}
 */
export async function spawnSandboxed(
  argv: string[],
  options: SandboxOptions,
  stdin: "null" | "piped",
): Promise<Launched> {
  const sandboxed = await decide(options);
  return await launch(argv, options, sandboxed, stdin);
}

async function collect(workDir: string, names: string[]): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const name of names) {
    const path = join(workDir, name);
    try {
      const st = await Deno.lstat(path);
      if (!st.isFile || st.isSymlink) continue; // never follow what the code left behind
      out[name] = await Deno.readFile(path);
    } catch {
      // absent
    }
  }
  return out;
}

async function launchAndWait(
  argv: string[],
  o: SandboxOptions,
  sandboxed: boolean,
): Promise<SandboxResult> {
  const t0 = performance.now();
  const s = await launch(argv, o, sandboxed, "null");
  let timedOut = false;
  let outputLimited = false;
  const timer = setTimeout(() => {
    timedOut = true;
    s.kill();
  }, o.timeoutMs);
  const cap = o.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes;
  const overflow = () => {
    outputLimited = true;
    s.kill();
  };
  try {
    const [stdout, stderr, status] = await Promise.all([
      readCapped(s.child.stdout, cap, overflow),
      readCapped(s.child.stderr, cap, overflow),
      s.child.status,
    ]);
    clearTimeout(timer);
    const verdict = classifyEnding({
      code: status.code,
      signal: status.signal,
      timedOut: timedOut && !outputLimited,
      outputLimited,
      stderr,
    });
    const files = await collect(s.workDir, o.collect ?? []);
    return {
      ...verdict,
      exitCode: status.code,
      stdout,
      stderr,
      wallMs: performance.now() - t0,
      files,
      sandboxed: s.sandboxed,
    };
  } finally {
    clearTimeout(timer);
    s.kill();
    await s.cleanup();
  }
}
