/**
 * Progress of an evaluation run on one suite: tasks done/total, samples done/total,
 * samples/s and ETA, on stderr (redrawn in place on a terminal, at most one line per
 * interval elsewhere).
 *
 * @module
 */

import { formatDuration } from "../util/progress.ts";

/** Options of {@link createEvalProgress}. */
export interface EvalProgressOptions {
  /** Printed first (the suite name). */
  label: string;
  /** Tasks in the run. */
  tasks: number;
  /** Tasks already finished before this process started (resumed). */
  tasksDone: number;
  /** Samples left to produce in this process. */
  samples: number;
  /** Minimum milliseconds between printed lines. @default 2000 */
  intervalMs?: number;
  /** Where lines go. @default stderr */
  write?: (text: string) => void;
  /** Redraw in place. @default whether stderr is a terminal and no writer was given */
  inPlace?: boolean;
  /** Clock in ms, for tests. @default performance.now */
  now?: () => number;
}

/** A running evaluation progress report. */
export interface EvalProgress {
  /** Records `samples` new samples and whether their task is now complete. */
  tick(samples: number, taskDone: boolean): void;
  /** Prints the final line. */
  finish(): void;
}

const enc = new TextEncoder();

/**
 * Starts an evaluation progress report.
 *
 * @param o label, totals, output settings
 * @returns the report
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createEvalProgress } from "./eval_progress.ts";
 * const lines: string[] = [];
 * const p = createEvalProgress({ label: "gsm8k", tasks: 4, tasksDone: 1, samples: 3, write: (t) => lines.push(t) });
 * p.tick(3, true);
 * p.finish();
 * assert.ok(lines.at(-1)!.includes("tasks 2/4"));
 * ```
 */
export function createEvalProgress(o: EvalProgressOptions): EvalProgress {
  const write = o.write ?? ((t: string) => Deno.stderr.writeSync(enc.encode(t)));
  const inPlace = o.inPlace ?? (o.write === undefined && Deno.stderr.isTerminal());
  const now = o.now ?? (() => performance.now());
  const interval = o.intervalMs ?? 2000;
  const start = now();
  let last = -Infinity;
  let tasks = o.tasksDone;
  let samples = 0;
  let finished = false;
  const line = () => {
    const s = (now() - start) / 1000;
    const rate = s > 0 ? samples / s : 0;
    const eta = rate > 0 ? formatDuration((o.samples - samples) / rate) : "?";
    const parts = [
      o.label,
      `tasks ${tasks}/${o.tasks}`,
      `samples ${samples}/${o.samples}`,
      `${rate.toFixed(rate < 10 ? 2 : 1)} samples/s`,
      `elapsed ${formatDuration(s)}`,
    ];
    if (!finished) parts.push(`ETA ${eta}`);
    return parts.join("  ");
  };
  const print = (force: boolean) => {
    const t = now();
    if (!force && t - last < interval) return;
    last = t;
    write(inPlace ? `\r\x1b[2K${line()}${finished ? "\n" : ""}` : `${line()}\n`);
  };
  return {
    tick(n, taskDone) {
      samples += n;
      if (taskDone) tasks++;
      print(false);
    },
    finish() {
      if (finished) return;
      finished = true;
      print(true);
    },
  };
}
