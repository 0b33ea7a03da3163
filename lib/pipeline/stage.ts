/**
 * Cached pipeline stages: a stage writes its output into its own directory and, when it is
 * complete, `stage.json` with the content hash of its inputs (config, upstream stages' hashes,
 * seeds). A rerun skips a stage whose `stage.json` has the same hash and re-runs (resuming,
 * where the stage itself can) one whose hash changed or that never finished.
 *
 * @module
 */

import { join } from "node:path";
import { writeJsonAtomic } from "../util/atomic.ts";
import { sha256Hex } from "../util/hash.ts";
import { pathExists } from "../util/fs.ts";

/** What `stage.json` holds. */
export interface StageRecord<T> {
  /** The stage's name. */
  name: string;
  /** sha256 of its inputs. */
  key: string;
  /** When it finished (ISO 8601). */
  finished: string;
  /** Wall seconds of the run that finished it. */
  seconds: number;
  /** CPU seconds of this process during that run. */
  cpuSeconds: number;
  /** The stage's result (JSON). */
  result: T;
}

/**
 * The key of a stage from its inputs (any JSON value).
 *
 * @param inputs the inputs
 * @returns sha256 hex of their JSON
 */
export function stageKey(inputs: unknown): string {
  return sha256Hex(JSON.stringify(inputs));
}

function cpuNow(): number {
  try {
    // /proc/self/stat fields 14 and 15: user and system time in clock ticks (100 Hz on Linux).
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Runs a stage unless its `stage.json` says it already finished with the same key.
 *
 * @param dir the stage's directory
 * @param name the stage's name (logs)
 * @param key the hash of its inputs ({@link stageKey})
 * @param run does the work and returns a JSON result
 * @param log status lines
 * @returns the stage record (fresh or cached)
 */
export async function runStage<T>(
  dir: string,
  name: string,
  key: string,
  run: () => Promise<T>,
  log: (line: string) => void,
): Promise<StageRecord<T>> {
  const file = join(dir, "stage.json");
  if (await pathExists(file)) {
    const rec = JSON.parse(await Deno.readTextFile(file)) as StageRecord<T>;
    if (rec.key === key) {
      log(`[${name}] done earlier (${dir}), reused`);
      return rec;
    }
    log(`[${name}] inputs changed since the last run: redoing it`);
  }
  await Deno.mkdir(dir, { recursive: true });
  log(`[${name}] running -> ${dir}`);
  const t0 = performance.now(), c0 = cpuNow();
  const result = await run();
  const rec: StageRecord<T> = {
    name,
    key,
    finished: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpuNow() - c0,
    result,
  };
  await writeJsonAtomic(file, rec);
  log(`[${name}] finished in ${rec.seconds.toFixed(0)} s`);
  return rec;
}
