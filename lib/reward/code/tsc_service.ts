/**
 * Type-checking and compiling TypeScript as MultiPL-E does (`tsc --target esnext main.ts`),
 * fast: a small pool of sandboxed compile servers (`tsc_server.cjs`) that keep the compiler
 * and the parsed lib files loaded, about 0.1 s per program instead of 2-3 s for a fresh
 * `tsc`, with the same per-file verdict (each program is compiled on its own; see the
 * server's header for why skipping the lib-file check never changes the answer).
 *
 * A request that runs past the limit (15 s, MultiPL-E's) or crashes its server gets that
 * verdict, and the server is replaced. `compileWithCli` runs the real `tsc` binary instead
 * (one sandbox per program), for parity checks and as a reference.
 *
 * @module
 */

import { nodeInterpreter, TYPESCRIPT_TARGET, typescriptPackageDir } from "./sandbox_env.ts";
import { type Launched, runSandboxed, spawnSandboxed } from "./sandbox.ts";
import { codeAsset } from "./python.ts";
import { Semaphore } from "../../util/pool.ts";
import { defaultWorkers, sandboxSlots } from "./pool.ts";
import { looksLikeMemoryError } from "./verdict.ts";

/** The outcome of compiling one TypeScript file. */
export interface TscResult {
  /** tsc would exit with 0: no diagnostics at all. */
  ok: boolean;
  /** `ok`, `compile error`, `timeout` (of tsc), `compiler crash`. */
  reason: string;
  /** The first diagnostics, formatted as tsc prints them. */
  errors: string;
  /** The emitted JavaScript (tsc emits even with type errors), or null. */
  js: string | null;
  /** Milliseconds spent. */
  ms: number;
  /** The lib files were checked too (main.ts declares a global a lib file also declares). */
  fullCheck: boolean;
}

/** Options of a {@link TscService}. */
export interface TscServiceOptions {
  /** Compile servers at most. @default defaultWorkers() */
  workers?: number;
  /** Time limit per program in milliseconds. @default 15000 (MultiPL-E) */
  timeoutMs?: number;
  /** Servers are closed after this many idle milliseconds. @default 5000 */
  idleMs?: number;
  /** Run without a sandbox when none works here (loud warning). @default false */
  allowUnsandboxed?: boolean;
}

async function tsBinds() {
  const node = nodeInterpreter();
  const dir = await typescriptPackageDir();
  return { node, binds: [...node.binds, { source: dir, target: TYPESCRIPT_TARGET }] };
}

const EOF = Symbol("EOF");
const TIMEOUT = Symbol("TIMEOUT");

/** One compile server in its own sandbox. */
class TscServer {
  #buffer = "";
  #reader: ReadableStreamDefaultReader<string>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #stderr = "";
  #stderrDone: Promise<void>;
  #nextId = 0;

  private constructor(readonly sandbox: Launched) {
    this.#reader = sandbox.child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.#writer = sandbox.child.stdin.getWriter();
    this.#stderrDone = (async () => {
      for await (const chunk of sandbox.child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderr = (this.#stderr + chunk).slice(-4000);
      }
    })().catch(() => {});
  }

  static async start(o: TscServiceOptions): Promise<TscServer> {
    const { node, binds } = await tsBinds();
    const sandbox = await spawnSandboxed([node.path, "tsc_server.cjs", TYPESCRIPT_TARGET], {
      timeoutMs: 6 * 3600_000, // backstop only: the server exits when its stdin closes
      cpuSeconds: 6 * 3600,
      files: { "tsc_server.cjs": await codeAsset("tsc_server.cjs") },
      binds,
      allowUnsandboxed: o.allowUnsandboxed,
    }, "piped");
    const server = new TscServer(sandbox);
    const ready = await server.#line(60_000);
    if (typeof ready !== "string" || !ready.includes('"ready"')) {
      await server.close();
      throw new Error(`the TypeScript compile server did not start: ${server.#stderr.trim()}`);
    }
    return server;
  }

  /** The next stdout line, `EOF` when the server ended, `TIMEOUT` after `ms`. */
  async #line(ms: number): Promise<string | typeof EOF | typeof TIMEOUT> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), ms);
    });
    try {
      while (!this.#buffer.includes("\n")) {
        const chunk = await Promise.race([this.#reader.read(), expired]);
        if (chunk === TIMEOUT) return TIMEOUT;
        if (chunk.done) return EOF;
        this.#buffer += chunk.value;
      }
      const i = this.#buffer.indexOf("\n");
      const line = this.#buffer.slice(0, i);
      this.#buffer = this.#buffer.slice(i + 1);
      return line;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Compiles one file; a timeout or crash leaves the server unusable (`alive` false). */
  async compile(source: string, timeoutMs: number): Promise<TscResult> {
    const t0 = performance.now();
    const id = this.#nextId++;
    await this.#writer.write(new TextEncoder().encode(JSON.stringify({ id, source }) + "\n"));
    const line = await this.#line(timeoutMs);
    const ms = () => performance.now() - t0;
    if (line === TIMEOUT) {
      this.alive = false;
      return { ok: false, reason: "timeout", errors: "", js: null, ms: ms(), fullCheck: false };
    }
    if (line === EOF) {
      this.alive = false;
      await this.sandbox.child.status;
      await this.#stderrDone;
      const reason = looksLikeMemoryError(this.#stderr) ? "memory" : "compiler crash";
      return {
        ok: false,
        reason,
        errors: this.#stderr.slice(-1000),
        js: null,
        ms: ms(),
        fullCheck: false,
      };
    }
    const r = JSON.parse(line);
    if (r.id !== id || r.crash) {
      this.alive = false;
      const errors = String(r.crash ?? "");
      const reason = looksLikeMemoryError(errors) ? "memory" : "compiler crash";
      return { ok: false, reason, errors, js: null, ms: ms(), fullCheck: false };
    }
    return {
      ok: r.ok,
      reason: r.ok ? "ok" : "compile error",
      errors: r.errors,
      js: r.js,
      ms: ms(),
      fullCheck: r.full,
    };
  }

  alive = true;

  async close(): Promise<void> {
    this.alive = false;
    await this.#writer.close().catch(() => {});
    const exited = await Promise.race([
      this.sandbox.child.status.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
    ]);
    if (!exited) this.sandbox.kill();
    await this.sandbox.child.status;
    await this.#reader.cancel().catch(() => {});
    await this.sandbox.cleanup();
  }
}

/** A pool of compile servers; `compile()` may be called concurrently. */
export class TscService {
  #idle: TscServer[] = [];
  #all = new Set<TscServer>();
  #closing = new Set<Promise<void>>();
  #slots: Semaphore;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly options: Required<Omit<TscServiceOptions, "allowUnsandboxed">> & TscServiceOptions;

  /** @param options pool size, time limit, idle shutdown, unsandboxed opt-in */
  constructor(options: TscServiceOptions = {}) {
    this.options = {
      workers: defaultWorkers(),
      timeoutMs: 15_000,
      idleMs: 5_000,
      ...options,
    };
    this.#slots = new Semaphore(this.options.workers);
  }

  /**
   * Type-checks and compiles one file as `tsc --target esnext main.ts` would.
   *
   * @param source the TypeScript program
   * @returns whether tsc would succeed, its first errors and the emitted JavaScript
   */
  compile(source: string): Promise<TscResult> {
    return this.#slots.run(async () => {
      clearTimeout(this.#timer);
      const server = this.#idle.pop() ?? await this.#start();
      try {
        return await sandboxSlots().run(() => server.compile(source, this.options.timeoutMs));
      } finally {
        if (server.alive) this.#idle.push(server);
        else this.#retire(server);
        this.#armIdle();
      }
    });
  }

  async #start(): Promise<TscServer> {
    const s = await TscServer.start(this.options);
    this.#all.add(s);
    return s;
  }

  #retire(s: TscServer): void {
    this.#all.delete(s);
    s.sandbox.kill();
    const closing = s.close().catch(() => {});
    this.#closing.add(closing);
    closing.finally(() => this.#closing.delete(closing));
  }

  #armIdle(): void {
    clearTimeout(this.#timer);
    const timer = setTimeout(() => this.close(), this.options.idleMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Stops every server (they restart on the next `compile`). */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    const all = [...this.#all];
    this.#all.clear();
    this.#idle = [];
    await Promise.all([...all.map((s) => s.close()), ...this.#closing]);
  }
}

let shared: TscService | null = null;

/**
 * The process-wide compile service used by the HumanEval-TS suite.
 *
 * @param options used when it is created
 * @returns the shared service
 */
export function sharedTscService(options: TscServiceOptions = {}): TscService {
  shared ??= new TscService(options);
  return shared;
}

/** Closes the shared compile service (tests call it so no process outlives them). */
export async function closeSharedTscService(): Promise<void> {
  const s = shared;
  shared = null;
  await s?.close();
}

/**
 * Compiles with the real `tsc` binary in a fresh sandbox (`node tsc --target esnext main.ts`),
 * exactly MultiPL-E's command: slow (2-3 s) but the reference the service is checked against.
 *
 * @param source the TypeScript program
 * @param options time limit (15 s), unsandboxed opt-in
 * @returns the result (the emitted JavaScript when tsc wrote one)
 */
export async function compileWithCli(
  source: string,
  options: { timeoutMs?: number; allowUnsandboxed?: boolean } = {},
): Promise<TscResult> {
  const { node, binds } = await tsBinds();
  const r = await sandboxSlots().run(() =>
    runSandboxed([node.path, `${TYPESCRIPT_TARGET}/bin/tsc`, "--target", "esnext", "main.ts"], {
      timeoutMs: options.timeoutMs ?? 15_000,
      files: { "main.ts": source },
      binds,
      collect: ["main.js"],
      allowUnsandboxed: options.allowUnsandboxed,
    })
  );
  const js = r.files["main.js"] ? new TextDecoder().decode(r.files["main.js"]) : null;
  const reason = r.status === "ok" ? "ok" : r.status === "exit" ? "compile error" : r.reason;
  const errors = r.stdout.slice(0, 2000);
  return { ok: r.status === "ok", reason, errors, js, ms: r.wallMs, fullCheck: true };
}
