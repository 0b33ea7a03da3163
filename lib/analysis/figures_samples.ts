/**
 * Figures over the logged samples (`samples/step-N.jsonl`): the response-length
 * distribution before and after (two training steps, overlaid histograms), and reward
 * against length (the reward-hacking probe: a reward that grows with length alone shows a
 * strong positive correlation).
 *
 * @module
 */

import type * as aq from "arquero";
import { rowsOf } from "./_files.ts";
import { baseLayout, type PlotlyFigure } from "./plotly.ts";
import { methodColor, methodLabel, sortMethods } from "./style.ts";
import { withAlpha } from "./figures_training.ts";
import { pearson } from "../util/stats.ts";

interface SampleRow {
  run: string;
  method: string;
  step: number;
  response_length: number;
  score: number;
}

const runsOf = (rows: SampleRow[]) =>
  sortMethods(rows.map((r) => r.method)).flatMap((m) => [
    ...new Set(rows.filter((r) => r.method === m).map((r) => r.run)),
  ]);

/**
 * Response-length histograms of two training steps per run (default: each run's first and
 * last logged step): the earlier step faint, the later solid, in the method's colour.
 *
 * @param samples the `samples` table of a run set
 * @param options `steps`: the two steps (same for every run); the title
 * @returns the figure
 * @throws when no samples are logged
 */
export function lengthDistribution(
  samples: aq.ColumnTable,
  options: { steps?: [number, number]; title?: string } = {},
): PlotlyFigure {
  const rows = rowsOf<SampleRow>(samples);
  if (rows.length === 0) throw new Error("lengthDistribution: no samples in the table");
  const data: Record<string, unknown>[] = [];
  const runs = runsOf(rows);
  const lengths = rows.map((r) => r.response_length);
  const lo = Math.min(...lengths), hi = Math.max(...lengths);
  // Integer token lengths: one bin per length up to 40 bins, wider bins beyond.
  const size = Math.max(1, Math.ceil((hi - lo + 1) / 40));
  const xbins = { start: lo - 0.5, end: hi + 0.5, size };
  for (const run of runs) {
    const mine = rows.filter((r) => r.run === run);
    const steps = mine.map((r) => r.step);
    const [a, b] = options.steps ?? [Math.min(...steps), Math.max(...steps)];
    const color = methodColor(mine[0].method);
    const label = runs.length > 1 ? run : methodLabel(mine[0].method);
    for (const [step, before] of [[a, true], [b, false]] as const) {
      const x = mine.filter((r) => r.step === step).map((r) => r.response_length);
      const m = x.length === 0 ? NaN : x.reduce((t, v) => t + v, 0) / x.length;
      data.push({
        type: "histogram",
        name: `${label}: step ${step} ${before ? "(before)" : "(after)"}, mean ${m.toFixed(1)}`,
        x,
        xbins,
        histnorm: "percent",
        marker: {
          color: withAlpha(color, before ? 0.3 : 0.9),
          line: { color, width: 1.5 },
        },
      });
    }
  }
  return {
    data,
    layout: baseLayout(
      options.title ?? "Response length before and after training",
      "response length (tokens)",
      "responses (%)",
      { barmode: "group", bargap: 0.15 },
    ),
  };
}

/**
 * Reward against response length, one marker per sample coloured by training step, one
 * trace per run with Pearson's r in its name (the reward-hacking probe).
 *
 * @param samples the `samples` table
 * @param options `steps`: only these steps (default: all logged); the title
 * @returns the figure
 * @throws when no samples are logged
 */
export function rewardVsLength(
  samples: aq.ColumnTable,
  options: { steps?: number[]; title?: string } = {},
): PlotlyFigure {
  const all = rowsOf<SampleRow>(samples);
  const rows = options.steps ? all.filter((r) => options.steps!.includes(r.step)) : all;
  if (rows.length === 0) throw new Error("rewardVsLength: no samples in the table");
  const symbols = ["circle", "square", "diamond", "triangle-up", "x", "cross"];
  const maxStep = Math.max(...rows.map((r) => r.step));
  const data = runsOf(rows).map((run, i) => {
    const mine = rows.filter((r) => r.run === run);
    const r = pearson(mine.map((s) => s.response_length), mine.map((s) => s.score));
    return {
      type: "scatter",
      mode: "markers",
      showlegend: true,
      name: `${run}: r = ${Number.isFinite(r) ? r.toFixed(2) : "n/a"}`,
      x: mine.map((s) => s.response_length),
      y: mine.map((s) => s.score),
      customdata: mine.map((s) => s.step),
      hovertemplate:
        "length %{x}, reward %{y:.3f}, step %{customdata}<extra>%{fullData.name}</extra>",
      marker: {
        symbol: symbols[i % symbols.length],
        size: 7,
        opacity: 0.75,
        color: mine.map((s) => s.step),
        cmin: 1,
        cmax: maxStep,
        colorscale: "Viridis",
        showscale: i === 0,
        colorbar: { title: { text: "training step" } },
        line: { width: 0.5, color: methodColor(mine[0].method) },
      },
    };
  });
  return {
    data,
    layout: baseLayout(
      options.title ?? "Reward vs response length (reward-hacking probe; r: Pearson)",
      "response length (tokens)",
      "reward (score)",
      { legend: { orientation: "h", y: -0.2 } },
    ),
  };
}
