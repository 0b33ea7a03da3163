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
import type { PlotlyFigure } from "./plotly.ts";

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
