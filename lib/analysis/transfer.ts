/**
 * The transfer table as data: evaluation summaries of one or more runs (`summary.json`
 * written by `deno task eval` / `deno task reproduce`) as an arquero table with one row per
 * (run, suite), and a Plotly grouped-bar figure of it, so runs can be compared side by side
 * (e.g. a base model before and after RL).
 *
 * @module
 */

import * as aq from "arquero";
import { join } from "node:path";
import { readSummary } from "../eval/run.ts";
import { transferRows } from "../eval/summary.ts";

/** A Plotly figure spec (`data` traces and `layout`), as plotly.js and Jupyter take it. */
export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/**
 * Reads the `summary.json` of each evaluation directory into one table with columns
 * `run`, `suite`, `domain`, `metric`, `value`, `n` (per-suite rows plus the domain means).
 *
 * @param evalDirs directories holding `summary.json` (a reproduce run's `eval/` folder, or
 *   the run directory itself, which is searched for `eval/summary.json`)
 * @param names display names of the runs (default: the model name in each summary)
 */
export async function transferTable(evalDirs: string[], names?: string[]): Promise<aq.ColumnTable> {
  const rows: Record<string, unknown>[] = [];
  for (const [i, dir] of evalDirs.entries()) {
    const summary = (await readSummary(dir)) ?? (await readSummary(join(dir, "eval")));
    if (!summary) throw new Error(`${dir}: no summary.json here or in ${join(dir, "eval")}`);
    const m = summary.model;
    const run = names?.[i] ?? ("name" in m ? m.name : m.samples);
    for (const r of transferRows(summary.suites)) rows.push({ run, ...r });
  }
  return aq.from(rows);
}

/** Grouped bars: one trace per run, suites on x, the suite's metric (as %) on y. */
export function transferFigure(
  table: aq.ColumnTable,
  title = "Transfer across domains",
): PlotlyFigure {
  const runs = [...new Set(table.array("run") as string[])];
  const data = runs.map((run) => {
    const t = table.params({ run }).filter((d: Record<string, unknown>, $: { run: string }) =>
      d.run === $.run
    );
    return {
      type: "bar",
      name: run,
      x: t.array("suite"),
      y: (t.array("value") as (number | null)[]).map((v) => (v === null ? null : 100 * v)),
      customdata: t.array("metric"),
      hovertemplate: "%{x}: %{y:.1f}% (%{customdata})<extra>%{fullData.name}</extra>",
    };
  });
  return {
    data,
    layout: {
      title: { text: title },
      barmode: "group",
      yaxis: { title: { text: "score (%)" }, range: [0, 100] },
      xaxis: { title: { text: "suite" } },
    },
  };
}

/** The symbol under which the Deno Jupyter kernel looks for a value's MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A value a Deno Jupyter cell renders through its MIME bundle. */
export interface Displayable {
  [JUPYTER_DISPLAY]: () => Record<string, unknown>;
}

/** Wraps a figure so a Deno Jupyter cell renders it interactively (Plotly MIME bundle). */
export function displayFigure(figure: PlotlyFigure): Displayable {
  return {
    [JUPYTER_DISPLAY]: () => ({
      "application/vnd.plotly.v1+json": figure,
      "text/plain": `Plotly figure: ${(figure.layout.title as { text?: string })?.text ?? ""}`,
    }),
  };
}

/** Wraps an arquero table so a Deno Jupyter cell renders it as HTML. */
export function displayTable(table: aq.ColumnTable): Displayable {
  const pct = (v: unknown) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : String(v));
  return {
    [JUPYTER_DISPLAY]: () => ({
      "text/html": table.toHTML({ format: { value: pct } }),
      "text/plain": table.toMarkdown({ format: { value: pct } }),
    }),
  };
}
