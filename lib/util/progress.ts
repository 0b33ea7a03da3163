/**
 * Progress reporting for long loops, downloads, evaluation runs, the sampler and training:
 * done/total, rate and ETA, plus any detail the caller adds (tasks done, rows in the batch),
 * to stderr. The kit's one progress reporter.
 *
 * On a terminal the line is redrawn in place; elsewhere (CI logs, files) a line is printed
 * at most every `intervalMs`, plus a final line, so logs stay short.
 *
 * @module
 */

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** Total number of units, or null when unknown. */
  total: number | null;
  /** Label printed first on each line. @default "" */
  label?: string;
  /** Unit name; `"B"` prints sizes as KB/MB/GB. @default "it" */
  unit?: string;
  /** More fields, printed after the label (`tasks 3/10`), read at each line. @default none */
  detail?: () => string;
  /** Minimum milliseconds between two printed lines. @default 1000 */
  intervalMs?: number;
  /** Where lines go. @default a writer to stderr */
  write?: (text: string) => void;
  /** Redraw one line with `\r` instead of printing lines. @default whether stderr is a terminal */
  inPlace?: boolean;
  /** Clock in milliseconds, for tests. @default performance.now */
  now?: () => number;
}

/** A running progress report. */
export interface Progress {
  /** Adds `n` units (default 1). */
  tick(n?: number): void;
  /** Sets the number of done units. */
  update(done: number): void;
  /** Prints the final line (always) and stops reporting. */
  finish(): void;
  /** Units done so far. */
  readonly done: number;
}

const encoder = new TextEncoder();

function stderrWriter(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}

/**
 * Formats a number of units for display (`1.5 MB` for bytes, `1234` otherwise).
 *
 * @param n the amount
 * @param unit the unit name
 * @returns the text
 */
export function formatAmount(n: number, unit: string): string {
  if (unit !== "B") return Number.isInteger(n) ? `${n}` : n.toFixed(1);
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n.toFixed(1)} ${units[i]}`;
}

/**
 * Formats seconds as `m:ss` or `h:mm:ss`.
 *
 * @param seconds the duration
 * @returns the text
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * Starts a progress report.
 *
 * @param options total, label, unit and output settings
 * @returns the report; call `tick`/`update` as work proceeds and `finish` at the end
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createProgress } from "./progress.ts";
 * const lines: string[] = [];
 * const p = createProgress({ total: 4, label: "steps", write: (t) => lines.push(t), inPlace: false });
 * p.tick(4);
 * p.finish();
 * ok(lines.at(-1)!.includes("4/4"));
 * ```
 */
export function createProgress(options: ProgressOptions): Progress {
  const total = options.total;
  const label = options.label ?? "";
  const unit = options.unit ?? "it";
  const intervalMs = options.intervalMs ?? 1000;
  const write = options.write ?? stderrWriter;
  const now = options.now ?? (() => performance.now());
  const inPlace = options.inPlace ?? (options.write === undefined && Deno.stderr.isTerminal());
  const start = now();
  let lastPrint = -Infinity;
  let done = 0;
  let finished = false;

  const line = (): string => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const parts = [label, options.detail?.() ?? ""];
    if (total !== null && total > 0) {
      const pct = (100 * done / total).toFixed(1);
      parts.push(`${formatAmount(done, unit)}/${formatAmount(total, unit)} (${pct}%)`);
    } else parts.push(formatAmount(done, unit));
    parts.push(
      unit === "B"
        ? `${formatAmount(rate, unit)}/s`
        : `${rate.toFixed(rate < 10 ? 2 : 1)} ${unit}/s`,
    );
    parts.push(`elapsed ${formatDuration(elapsed)}`);
    if (total !== null && !finished) {
      parts.push(`ETA ${rate > 0 ? formatDuration((total - done) / rate) : "?"}`);
    }
    return parts.filter((p) => p !== "").join("  ");
  };

  const maybePrint = (force: boolean) => {
    const t = now();
    if (!force && t - lastPrint < intervalMs) return;
    lastPrint = t;
    write(inPlace ? `\r\x1b[2K${line()}` : `${line()}\n`);
  };

  return {
    tick(n = 1) {
      if (finished) return;
      done += n;
      maybePrint(false);
    },
    update(d: number) {
      if (finished) return;
      done = d;
      maybePrint(false);
    },
    finish() {
      if (finished) return;
      finished = true;
      write(inPlace ? `\r\x1b[2K${line()}\n` : `${line()}\n`);
    },
    get done() {
      return done;
    },
  };
}
