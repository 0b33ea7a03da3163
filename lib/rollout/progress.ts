/**
 * Progress of the sampler: the snapshots the engine reports (finished / submitted sequences,
 * rows in the batch, generated tokens, time since the batch started), and a sink that shows
 * them through the kit's progress reporter (`lib/util/progress.ts`), at most one line per
 * interval plus a final line when the batch drains.
 *
 * @module
 */

import { createProgress, type Progress } from "../util/progress.ts";

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
 * A sink that prints each busy period as one progress report (tokens, tok/s, sequences,
 * active rows), on stderr unless `write` is given.
 *
 * @param intervalMs minimum time between lines @default 2000
 * @param write where the text goes (lines end in a newline) @default stderr
 * @returns the sink
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { stderrProgress } from "./progress.ts";
 * const lines: string[] = [];
 * const sink = stderrProgress(2000, (t) => lines.push(t));
 * sink({ finished: 2, submitted: 4, active: 2, tokens: 100, elapsed: 2, final: false });
 * sink({ finished: 4, submitted: 4, active: 0, tokens: 300, elapsed: 3, final: true });
 * strictEqual(lines.at(-1), "rollout  4/4 seq  0 active  300  100.0 tok/s  elapsed 0:03\n");
 * ```
 */
export function stderrProgress(intervalMs = 2000, write?: (text: string) => void): ProgressSink {
  let report: Progress | null = null;
  let latest: RolloutProgress;
  return (p) => {
    latest = p;
    // The report runs on the engine's clock: 0 when the sampler became busy.
    let started = false;
    report ??= createProgress({
      total: null,
      label: "rollout",
      unit: "tok",
      intervalMs,
      write,
      detail: () => `${latest.finished}/${latest.submitted} seq  ${latest.active} active`,
      now: () => started ? latest.elapsed * 1000 : (started = true, 0),
    });
    report.update(p.tokens);
    if (p.final) {
      report.finish();
      report = null;
    }
  };
}
