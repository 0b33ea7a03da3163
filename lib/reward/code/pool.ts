/**
 * Bounded concurrency for sandboxed runs: a semaphore shared by every grader in the process
 * (so concurrent `grade()` calls do not oversubscribe the CPU and distort time limits). The
 * generic `Semaphore` and `mapPool` live in `lib/util/pool.ts` and are re-exported here for
 * the graders.
 *
 * @module
 */

import { Semaphore } from "../../util/pool.ts";
export { mapPool, Semaphore } from "../../util/pool.ts";

/**
 * How many sandboxes run at once by default: `GRLO_SANDBOX_WORKERS`, else the number of CPUs.
 *
 * @returns a positive integer
 */
export function defaultWorkers(): number {
  const env = Number(Deno.env.get("GRLO_SANDBOX_WORKERS"));
  if (Number.isInteger(env) && env > 0) return env;
  return Math.max(1, navigator.hardwareConcurrency ?? 1);
}

let shared: Semaphore | null = null;

/**
 * The process-wide semaphore every sandboxed program run goes through.
 *
 * @returns the shared semaphore (sized by {@link defaultWorkers})
 */
export function sandboxSlots(): Semaphore {
  shared ??= new Semaphore(defaultWorkers());
  return shared;
}
