/**
 * One `deno task reproduce --quick` per test process, run as a newcomer's machine runs it (a
 * subprocess with no data mirror, an empty kit cache and no bubblewrap), shared by the pipeline
 * test and the notebook tests so the suite pays for it once. Private to tests/.
 *
 * @module
 */

import { join } from "node:path";

const REPRODUCE = new URL("../tasks/reproduce.ts", import.meta.url).pathname;

/** A finished reproduce subprocess. */
export interface ReproduceRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The shared quick run: its output directory and the first run's output. */
export interface QuickReproduce extends ReproduceRun {
  out: string;
  cache: string;
}

/**
 * Runs `deno task reproduce --quick` in a subprocess with a clean environment.
 *
 * @param out the output directory
 * @param cache the kit cache directory (GRLO_CACHE_DIR)
 * @returns exit code and output
 */
export async function runQuickReproduce(out: string, cache: string): Promise<ReproduceRun> {
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    GRLO_CACHE_DIR: cache,
    GRLO_SANDBOX_BWRAP: "/nonexistent/bwrap",
    NO_COLOR: "1",
  };
  delete env.GRLO_DATA_DIR;
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--no-check",
      REPRODUCE,
      "--quick",
      "--out",
      out,
      "--threads",
      "2",
    ],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

let shared: Promise<QuickReproduce> | null = null;

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The quick reproduce output of this test process, made on the first call. Test files run in
 * separate workers of one process, so the run is shared through a directory named by the
 * process id (`$TMPDIR/grlo-quick-reproduce-<pid>`); directories of finished processes are
 * removed when a new one is made.
 *
 * @returns its directory and the first run's output
 */
export function quickReproduce(): Promise<QuickReproduce> {
  shared ??= (async () => {
    const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
    const root = join(tmp, `grlo-quick-reproduce-${Deno.pid}`);
    const out = join(root, "out"), cache = join(root, "cache"), saved = join(root, "run.json");
    try {
      return JSON.parse(await Deno.readTextFile(saved)) as QuickReproduce;
    } catch { /* not made yet in this process */ }
    for await (const e of Deno.readDir(tmp)) {
      const m = /^grlo-quick-reproduce-(\d+)$/.exec(e.name);
      if (m && Number(m[1]) !== Deno.pid && !alive(Number(m[1]))) {
        await Deno.remove(join(tmp, e.name), { recursive: true }).catch(() => {});
      }
    }
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.mkdir(root, { recursive: true });
    const run: QuickReproduce = { out, cache, ...await runQuickReproduce(out, cache) };
    await Deno.writeTextFile(saved, JSON.stringify(run));
    return run;
  })();
  return shared;
}
