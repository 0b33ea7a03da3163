/**
 * A sandbox that needs no system package: the program runs in a child Deno (the binary that
 * runs the kit, `Deno.execPath()`) with **no** permissions, used where bubblewrap is absent.
 *
 * The child is `deno run --no-config --no-lock --no-npm --no-remote --no-prompt --no-check
 * --no-code-cache --quiet --v8-flags=--max-old-space-size=N <runner>`: no `--allow-*` flag,
 * so every read, write, network, env, run, ffi, sys and import-of-a-local-file request is
 * denied (`NotCapable`), and `Deno.permissions.request` answers `denied` without prompting
 * (`--no-prompt`; stdin, stdout and stderr are pipes and the child has no controlling
 * terminal). Types are stripped, not checked (`--no-check`): a type check needs the npm
 * `typescript` package and its lib files, which this fallback does not assume.
 *
 * Why a runner: Deno loads an entry module's *static* imports (and literal `import()`s)
 * without asking for read permission, so `import x from "file:///…" with { type: "json" }`
 * in the entry module would read any file. The entry is therefore a fixed runner (a `data:`
 * URL, nothing on disk) that reads the program from stdin and imports it as a `data:` URL;
 * that import is dynamic, so the program's whole module graph is permission-checked. The
 * runner also defines `require` (for `node:` builtins) as MultiPL-E programs expect.
 *
 * Around it: a fresh work dir (cwd) removed afterwards; a cleared environment with
 * `DENO_DIR` under a regular file, so the Cache API and `localStorage` (which Deno writes
 * without permission) cannot write to disk; a new session (`detached`: setsid), killed as a
 * process group; a wall-clock limit; an output cap (past it the group is killed); a CPU-time
 * limit of the wall-clock limit + 1 s through `prlimit` where present (a backstop should
 * the harness die without killing it: `cpu time limit`); and, on Linux, a resident-memory
 * watchdog (V8's heap limit does not cover ArrayBuffers or wasm memory, so RSS above the
 * heap limit plus {@link RSS_SLACK_MB}, polled every 50 ms, kills it as `memory`).
 *
 * @module
 */

import { DEFAULT_LIMITS } from "./sandbox_argv.ts";
import { sandboxEnv, sandboxTempRoot } from "./sandbox_env.ts";
import { sandboxSlots } from "./pool.ts";
import { classifyEnding, type ProgramVerdict, type SandboxStatus } from "./verdict.ts";
import { killProcessGroup, readCapped, rssBytes, trackChild } from "./_child_process.ts";

/** Options of {@link runDenoSandboxed}. */
export interface DenoSandboxOptions {
  /** Wall-clock limit in milliseconds. @default 15000 (MultiPL-E's) */
  timeoutMs?: number;
  /** V8 old-space limit in MiB (`--max-old-space-size`). @default 512 */
  heapMb?: number;
  /** Cap on stdout and on stderr, each, in bytes. @default 1 MiB */
  maxOutputBytes?: number;
}

/** A verdict with what the program printed and how it ended. */
export interface DenoSandboxResult extends ProgramVerdict {
  /** The kind of ending (`ok`, `exit`, `timeout`, `memory`, `output`, `signal`). */
  status: SandboxStatus;
  /** Captured stdout and stderr, each cut at `maxOutputBytes`. */
  stdout: string;
  stderr: string;
}

/** Resident memory allowed above the heap limit (runtime, young generation, buffers), MiB. */
export const RSS_SLACK_MB = 256;

// The entry module: reads the program from stdin, then imports it dynamically (see @module).
const RUNNER = [
  `import { createRequire } from "node:module";`,
  `globalThis.require = createRequire("file:///sandbox/main.js");`,
  `const source = await new Response(Deno.stdin.readable).text();`,
  `await import("data:application/typescript," + encodeURIComponent(source));`,
].join("\n");

/**
 * The child's command line after the deno binary: `run`, the isolation flags (no `--allow-*`)
 * and the runner.
 *
 * @param heapMb V8 old-space limit in MiB
 * @returns the arguments
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoSandboxArgs } from "./deno_sandbox.ts";
 * const args = denoSandboxArgs(256);
 * assert.ok(args.includes("--v8-flags=--max-old-space-size=256"));
 * assert.ok(!args.some((a) => a.startsWith("--allow") || a === "-A"));
 * ```
 */
export function denoSandboxArgs(heapMb: number): string[] {
  return [
    "run",
    "--no-config",
    "--no-lock",
    "--no-npm",
    "--no-remote",
    "--no-prompt",
    "--no-check",
    "--no-code-cache",
    "--quiet",
    `--v8-flags=--max-old-space-size=${heapMb}`,
    `data:application/javascript,${encodeURIComponent(RUNNER)}`,
  ];
}

/**
 * Runs a TypeScript/JavaScript program in a permission-less Deno child and reports the
 * verdict, stdout and stderr (see the module doc for what is contained).
 *
 * @param source the program (types are stripped, not checked)
 * @param options time limit, heap limit, output cap
 * @returns the verdict with the captured output
 */
export async function runDenoProgram(
  source: string,
  options: DenoSandboxOptions = {},
): Promise<DenoSandboxResult> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const heapMb = options.heapMb ?? 512;
  const cap = options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes;
  return await sandboxSlots().run(async () => {
    const t0 = performance.now();
    const workDir = await Deno.makeTempDir({ dir: sandboxTempRoot(), prefix: "grlo-deno-" });
    const blocker = `${workDir}/no-deno-dir`; // a regular file: nothing can be made under it
    await Deno.writeTextFile(blocker, "");
    // prlimit (util-linux, when present) execs deno in place (same pid) with a CPU-time
    // limit: a backstop that ends a busy loop even if the harness dies without killing it.
    const cpu = Math.ceil(timeoutMs / 1000) + 1;
    const prlimit = sandboxEnv().prlimit;
    const argv = [
      ...(prlimit ? [prlimit, `--cpu=${cpu}:${cpu + 1}`, "--core=0", "--"] : []),
      Deno.execPath(),
      ...denoSandboxArgs(heapMb),
    ];
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: workDir,
      clearEnv: true,
      env: {
        DENO_DIR: `${blocker}/deno`,
        DENO_NO_UPDATE_CHECK: "1",
        DENO_NO_PACKAGE_JSON: "1",
        NO_COLOR: "1",
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: true, // setsid: its own session and process group, no controlling terminal
    }).spawn();
    let exited = false;
    child.status.then(() => exited = true, () => exited = true); // never signal a reaped pid
    const kill = () => {
      if (!exited) killProcessGroup(child);
    };
    const untrack = trackChild(workDir, kill);
    let timedOut = false;
    let outputLimited = false;
    let overMemory = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const rssLimit = (heapMb + RSS_SLACK_MB) * 2 ** 20;
    let polling = false;
    const watchdog = setInterval(async () => {
      if (polling) return;
      polling = true;
      const rss = await rssBytes(child.pid);
      polling = false;
      if (rss !== null && rss > rssLimit && !exited) {
        overMemory = true;
        kill();
      }
    }, 50);
    const overflow = () => {
      outputLimited = true;
      kill();
    };
    try {
      const writer = child.stdin.getWriter();
      const fed = writer.write(new TextEncoder().encode(source)).then(() => writer.close())
        .catch(() => {}); // the child may die before reading all of it
      const [stdout, stderr, status] = await Promise.all([
        readCapped(child.stdout, cap, overflow),
        readCapped(child.stderr, cap, overflow),
        child.status,
        fed,
      ]);
      const ending = classifyEnding({
        code: status.code,
        signal: null,
        timedOut: timedOut && !outputLimited && !overMemory,
        outputLimited: outputLimited && !overMemory,
        stderr,
      });
      // V8's own heap-limit message is one of classifyEnding's memory patterns; the RSS
      // watchdog's kill prints nothing.
      const memory = !timedOut && !outputLimited && overMemory;
      const verdict = memory ? { status: "memory" as const, reason: "memory" } : ending;
      return {
        passed: verdict.status === "ok",
        reason: verdict.reason,
        status: verdict.status,
        detail: stderr.slice(0, 1000),
        wallMs: performance.now() - t0,
        sandboxed: true,
        stdout,
        stderr,
      };
    } finally {
      clearTimeout(timer);
      clearInterval(watchdog);
      kill();
      await child.status.catch(() => {});
      untrack();
      await Deno.remove(workDir, { recursive: true }).catch(() => {});
    }
  });
}

/**
 * Runs a TypeScript/JavaScript program in a Deno child with no permissions (no read, write,
 * net, env, run, ffi, sys or import), a heap limit, a wall-clock limit and an output cap;
 * passes iff it exits with 0. Needs nothing but the deno that runs the kit.
 *
 * @param source the program (types are stripped, not checked)
 * @param options time limit (15 s), V8 heap in MiB (512), output cap per stream (1 MiB)
 * @returns the verdict: `ok`, `exit code N`, `timeout`, `memory`, `output limit`, ...;
 *   `detail` holds the start of stderr (a denial reads `NotCapable: Requires read access…`)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runDenoSandboxed } from "./deno_sandbox.ts";
 * const v = await runDenoSandboxed("const n: number = 1 + 1; if (n !== 2) throw new Error();");
 * assert.deepEqual([v.passed, v.reason, v.sandboxed], [true, "ok", true]);
 * ```
 */
export async function runDenoSandboxed(
  source: string,
  options?: { timeoutMs?: number; heapMb?: number; maxOutputBytes?: number },
): Promise<ProgramVerdict> {
  const r = await runDenoProgram(source, options);
  return {
    passed: r.passed,
    reason: r.reason,
    detail: r.detail,
    wallMs: r.wallMs,
    sandboxed: r.sandboxed,
  };
}
