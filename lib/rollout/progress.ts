/**
 * Progress of the sampler on stderr: finished / submitted sequences, rows in the batch,
 * generated tokens and tokens per second since the batch started, at most one line per
 * interval plus a final line when the batch drains.
 *
 * @module
 */

import { formatDuration } from "../util/progress.ts";

/** A snapshot of the sampler's work since it last became busy. */
export interface RolloutProgress {
  /** Sequences finished. */
  finished: number;
  /** Sequences submitted. */
  submitted: number;
  /** Rows in the running batch. */
  active: number;
  /** Tokens generated. */
  tokens: number;
  /** Seconds since the sampler became busy. */
  elapsed: number;
  /** Whether the batch has drained (the last report of a busy period). */
  final: boolean;
}

/** Receives progress snapshots. */
export type ProgressSink = (p: RolloutProgress) => void;

/**
 * Formats one progress line.
 *
 * @param p the snapshot
 * @returns the text (no newline)
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { progressLine } from "./progress.ts";
 * strictEqual(
 *   progressLine({ finished: 2, submitted: 4, active: 2, tokens: 100, elapsed: 2, final: false }),
 *   "rollout  2/4 seq  2 active  100 tok  50.0 tok/s  0:02",
 * );
 * ```
 */
export function progressLine(p: RolloutProgress): string {
  const rate = p.elapsed > 0 ? p.tokens / p.elapsed : 0;
  return `rollout  ${p.finished}/${p.submitted} seq  ${p.active} active  ${p.tokens} tok  ` +
    `${rate.toFixed(1)} tok/s  ${formatDuration(p.elapsed)}`;
}

/**
 * A sink that prints {@link progressLine}s to stderr, at most one per `intervalMs` and always
 * the final one.
 *
 * @param intervalMs minimum time between lines @default 2000
 * @param write where lines go @default stderr
 * @returns the sink
 */
export function stderrProgress(
  intervalMs = 2000,
  write: (line: string) => void = (line) =>
    Deno.stderr.writeSync(new TextEncoder().encode(line + "\n")),
): ProgressSink {
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    if (!p.final && now - last < intervalMs) return;
    last = now;
    write(progressLine(p));
  };
}
