/**
 * TypeScript and JavaScript programs in the sandbox, judged as MultiPL-E's `eval_ts.py`
 * does: `tsc --target esnext main.ts` (any diagnostic fails the program), then
 * `node main.js`; it passes iff node exits with 0; 15 s limits for each step.
 *
 * Where bubblewrap does not work here (`sandboxProblem()`) and `allowUnsandboxed` is unset,
 * both judges fall back to the Deno permission sandbox (`deno_sandbox.ts`) instead of
 * refusing: types are stripped, not checked, so a program with only a type error can pass
 * there; each such verdict's `detail` says so (and a note is printed once per process).
 *
 * @module
 */

import { nodeInterpreter } from "./sandbox_env.ts";
import { runSandboxed, sandboxProblem } from "./sandbox.ts";
import { runDenoProgram } from "./deno_sandbox.ts";
import { sandboxSlots } from "./pool.ts";
import { compileWithCli, sharedTscService, type TscService } from "./tsc_service.ts";
import type { ProgramVerdict } from "./verdict.ts";

/** Options for TypeScript/JavaScript runs. */
export interface TsRunOptions {
  /** Time limit of `node` in seconds. @default 15 (MultiPL-E) */
  timeoutS?: number;
  /** RLIMIT_AS in bytes. @default 4 GiB */
  memoryBytes?: number;
  /** The compile service to use (default: the shared one), or `"cli"` for a fresh `tsc` per program. */
  compiler?: TscService | "cli";
  /** Run without a sandbox when none works here (loud warning). @default false */
  allowUnsandboxed?: boolean;
}

let noted = false;

/** Why bubblewrap cannot be used (so the Deno sandbox is), or null to use it. */
async function denoFallback(options: TsRunOptions): Promise<string | null> {
  if (options.allowUnsandboxed) return null; // the explicit opt-in keeps node, unsandboxed
  const problem = await sandboxProblem();
  if (problem !== null && !noted) {
    noted = true;
    console.warn(
      `NOTE: no bubblewrap sandbox (${problem}): TypeScript/JavaScript runs in the Deno ` +
        `permission sandbox, types stripped, not checked`,
    );
  }
  return problem;
}

/** A program run by the Deno sandbox, with its verdict named as the node path names it. */
async function runInDeno(
  source: string,
  problem: string,
  options: TsRunOptions,
): Promise<ProgramVerdict & { stdout: string; stderr: string }> {
  const r = await runDenoProgram(source, {
    timeoutMs: (options.timeoutS ?? 15) * 1000,
    // RLIMIT_AS bounded the whole address space; half of it goes to V8's heap here.
    heapMb: options.memoryBytes === undefined
      ? undefined
      : Math.floor(options.memoryBytes / 2 ** 21),
  });
  const assertion = r.status === "exit" && /\bAssertionError\b|ERR_ASSERTION/.test(r.stderr);
  return {
    passed: r.passed,
    reason: assertion ? "failed: AssertionError" : r.reason,
    detail: `no bubblewrap (${problem}): ran in the Deno sandbox, types not checked` +
      (r.detail ? `\n${r.detail.slice(0, 500)}` : ""),
    wallMs: r.wallMs,
    sandboxed: true,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/**
 * Runs a JavaScript file with `node main.js` in the sandbox: passes iff it exits with 0.
 * A failed `node:assert` check gives `failed: AssertionError` (MultiPL-E's `ERR_ASSERTION`).
 * Without bubblewrap it runs in the Deno sandbox (see the module doc).
 *
 * @param js the program
 * @param options time limit (15 s), memory, unsandboxed opt-in, extra files (`main.ts`)
 * @returns the verdict
 */
export async function runJavaScript(
  js: string,
  options: TsRunOptions & { extraFiles?: Record<string, string> } = {},
): Promise<ProgramVerdict & { stdout: string; stderr: string }> {
  const problem = await denoFallback(options);
  if (problem !== null) return await runInDeno(js, problem, options);
  const node = nodeInterpreter();
  const r = await sandboxSlots().run(() =>
    runSandboxed([node.path, "main.js"], {
      timeoutMs: (options.timeoutS ?? 15) * 1000,
      memoryBytes: options.memoryBytes,
      allowUnsandboxed: options.allowUnsandboxed,
      files: { ...options.extraFiles, "main.js": js },
      binds: node.binds,
    })
  );
  let reason = r.reason;
  if (r.status === "exit" && r.stderr.includes("ERR_ASSERTION")) reason = "failed: AssertionError";
  return {
    passed: r.status === "ok",
    reason,
    detail: r.stderr.slice(0, 500),
    wallMs: r.wallMs,
    sandboxed: r.sandboxed,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/**
 * Runs a MultiPL-E TypeScript program (`prompt + completion + "\n" + tests`): compile as
 * `tsc --target esnext` (a type error fails it), then run the output with node. Without
 * bubblewrap it runs in the Deno sandbox instead, types stripped, not checked (`detail`
 * says so).
 *
 * @param program the full TypeScript program
 * @param options compiler choice, time limit, memory, unsandboxed opt-in
 * @returns the verdict: `ok`, `compile error` (detail: tsc's errors), `failed: AssertionError`,
 *   `timeout`, `memory`, `exit code N`, ...
 */
export async function runTypeScriptProgram(
  program: string,
  options: TsRunOptions = {},
): Promise<ProgramVerdict> {
  const problem = await denoFallback(options);
  if (problem !== null) {
    const { stdout: _, stderr: __, ...verdict } = await runInDeno(program, problem, options);
    return verdict;
  }
  const compiler = options.compiler ??
    sharedTscService({ allowUnsandboxed: options.allowUnsandboxed });
  const c = compiler === "cli"
    ? await compileWithCli(program, { allowUnsandboxed: options.allowUnsandboxed })
    : await compiler.compile(program);
  if (!c.ok || c.js === null) {
    const reason = c.reason === "timeout" ? "timeout" : c.reason === "ok" ? "no output" : c.reason;
    return { passed: false, reason, detail: c.errors, wallMs: c.ms, sandboxed: true };
  }
  const r = await runJavaScript(c.js, { ...options, extraFiles: { "main.ts": program } });
  return { ...r, wallMs: r.wallMs + c.ms };
}
