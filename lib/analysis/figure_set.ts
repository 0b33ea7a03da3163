/**
 * Every figure a run set supports, by name, and writing them as PNG + HTML with an
 * `index.html` (what `deno task figures` does).
 *
 * @module
 */

import { join } from "node:path";
import type { RunSet } from "./load.ts";
import { costTable } from "./cost.ts";
import {
  benchmarkBars,
  efficiencyFrontier,
  frontierTable,
  transferHeatmap,
} from "./figures_eval.ts";
import { lengthDistribution, rewardVsLength } from "./figures_samples.ts";
import { trainingCurve, trainingDashboard } from "./figures_training.ts";
import { figureTitle, type PlotlyFigure } from "./plotly.ts";
import { figureHTML, renderImages } from "./render.ts";
import { deltaTable, domainAverages, scoreTable, transferMatrix } from "./tables.ts";

/** A figure with a file-name stem. */
export interface NamedFigure {
  /** File-name stem (`training`, `benchmarks`, ...). */
  name: string;
  /** The figure. */
  figure: PlotlyFigure;
}

/** Options of {@link figuresFor}. */
export interface FigureSetOptions {
  /** EMA smoothing of training curves. @default 0.6 */
  smoothing?: number;
  /** Bootstrap seed. @default 0 */
  seed?: number;
  /** Device of the training runs, for the cost axis. @default "cpu" */
  device?: "cpu" | "gpu";
}

/**
 * The figures the runs support: training dashboard and reward curve (training metrics),
 * length distributions and reward vs length (samples), benchmark bars (scores), transfer
 * heatmap (a base stage and a trained stage), efficiency frontier vs compute and vs prompts
 * (scores and training runs).
 *
 * @param set a loaded run set
 * @param options smoothing, seed, device
 * @returns the figures, in reading order
 */
export function figuresFor(set: RunSet, options: FigureSetOptions = {}): NamedFigure[] {
  const out: NamedFigure[] = [];
  const smoothing = options.smoothing ?? 0.6;
  const metrics = new Set(set.metrics.array("metric") as string[]);
  if (metrics.has("critic/score/mean")) {
    out.push({
      name: "reward",
      figure: trainingCurve(set.metrics, { metric: "critic/score/mean", smoothing }),
    });
  }
  if (set.metrics.numRows() > 0) {
    out.push({ name: "training", figure: trainingDashboard(set.metrics, { smoothing }) });
  }
  if (set.samples.numRows() > 0) {
    out.push({ name: "lengths", figure: lengthDistribution(set.samples) });
    out.push({ name: "reward_vs_length", figure: rewardVsLength(set.samples) });
  }
  if ((set.scores.array("value") as unknown[]).some((v) => v !== null)) {
    const seed = options.seed ?? 0;
    const scores = scoreTable(set.scores, { questions: set.questions, seed });
    out.push({ name: "benchmarks", figure: benchmarkBars(scores) });
    const matrix = transferMatrix(deltaTable(set.scores, { questions: set.questions, seed }), {
      runs: set.runs,
    });
    if (matrix.numRows() > 0) out.push({ name: "transfer", figure: transferHeatmap(matrix) });
    if (set.runs.numRows() > 0) {
      const cost = costTable(set.metrics, {
        runs: set.runs,
        samples: set.samples,
        device: options.device,
      });
      const frontier = frontierTable(domainAverages(set.scores), { cost });
      if ((frontier.array("device_hours") as number[]).some((h) => h > 0)) {
        out.push({
          name: "frontier_compute",
          figure: efficiencyFrontier(frontier, { x: "compute" }),
        });
        out.push({
          name: "frontier_prompts",
          figure: efficiencyFrontier(frontier, { x: "prompts" }),
        });
      }
    }
  }
  return out;
}

/** Options of {@link writeFigures}. */
export interface WriteOptions {
  /** Also write PNGs (needs Chromium). @default true */
  png?: boolean;
  /** Also write SVGs. @default false */
  svg?: boolean;
}

/**
 * Writes each figure as `NAME.html` (standalone, offline) and `NAME.png` (headless
 * Chromium), plus `index.html` linking them with the PNGs inline.
 *
 * @param figures the figures
 * @param out the output directory (created)
 * @param options which image formats
 * @returns the paths written
 */
export async function writeFigures(
  figures: readonly NamedFigure[],
  out: string,
  options: WriteOptions = {},
): Promise<string[]> {
  await Deno.mkdir(out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    const p = join(out, name);
    await (typeof data === "string" ? Deno.writeTextFile(p, data) : Deno.writeFile(p, data));
    written.push(p);
  };
  for (const f of figures) await write(`${f.name}.html`, figureHTML(f.figure));
  const png = options.png ?? true;
  const pngs = png ? await renderImages(figures.map((f) => f.figure), { format: "png" }) : [];
  for (const [i, bytes] of pngs.entries()) await write(`${figures[i].name}.png`, bytes);
  const svgs = options.svg
    ? await renderImages(figures.map((f) => f.figure), { format: "svg" })
    : [];
  for (const [i, bytes] of svgs.entries()) await write(`${figures[i].name}.svg`, bytes);
  const items = figures.map((f) =>
    `<section><h2>${figureTitle(f.figure).replace(/</g, "&lt;")}</h2>` +
    (png ? `<a href="${f.name}.html"><img src="${f.name}.png" style="max-width:100%"></a>` : "") +
    `<p><a href="${f.name}.html">interactive</a>${
      png ? ` · <a href="${f.name}.png">PNG</a>` : ""
    }` +
    `${options.svg ? ` · <a href="${f.name}.svg">SVG</a>` : ""}</p></section>`
  ).join("\n");
  await write(
    "index.html",
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>grlo-kit figures</title></head>` +
      `<body style="font-family:Helvetica,Arial,sans-serif;max-width:1250px;margin:auto">` +
      `<h1>grlo-kit figures</h1>\n${items}\n</body></html>\n`,
  );
  return written;
}
