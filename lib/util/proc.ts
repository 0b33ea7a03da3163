/**
 * What this process uses, for benchmarks: CPU seconds and peak resident memory, read from
 * /proc on Linux (sampled through `Deno.memoryUsage()` elsewhere).
 *
 * @module
 */

/**
 * This process's CPU time (user + system) in seconds, from /proc/self/stat (0 elsewhere).
 *
 * @returns seconds
 */
export function cpuSeconds(): number {
  try {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/**
 * Peak RSS since the last {@link RssPeak.reset}: the kernel's VmHWM (reset through
 * /proc/self/clear_refs), or the largest RSS {@link RssPeak.sample} saw where that is
 * missing.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { RssPeak } from "./proc.ts";
 * const rss = new RssPeak();
 * rss.reset();
 * const block = new Uint8Array(64 * 2 ** 20).fill(1);
 * rss.sample();
 * ok(rss.peakMb() >= 64 && block[0] === 1);
 * ```
 */
export class RssPeak {
  #sampled = 0;

  /** Starts a new measurement. */
  reset(): void {
    this.#sampled = Deno.memoryUsage().rss;
    try {
      Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    } catch { /* not Linux: sampling only */ }
  }

  /** Records the current RSS (the peak where VmHWM is unavailable). */
  sample(): void {
    this.#sampled = Math.max(this.#sampled, Deno.memoryUsage().rss);
  }

  /**
   * The peak so far.
   *
   * @returns MiB, rounded
   */
  peakMb(): number {
    let hwm = 0;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
      if (m) hwm = Number(m[1]) * 1024;
    } catch { /* not Linux */ }
    return Math.round(Math.max(hwm, this.#sampled) / 2 ** 20);
  }
}
