/**
 * Training curves as Plotly figures: any metric of `metrics.jsonl` against the training step,
 * smoothed with a debiased EMA (TensorBoard's), one colour per method; a method with several
 * runs (seeds) shows their mean and a ±1 standard deviation band across runs, a single run
 * its raw curve (faint) under the smoothed one. {@link trainingDashboard} puts the reward,
 * every reward term and the health metrics in one grid.
 *
 * @module
 */

import type * as aq from "arquero";
import { rowsOf } from "./_files.ts";
import { baseLayout, type PlotlyFigure } from "./plotly.ts";
import { methodColor, methodLabel, metricInfo, sortMethods, TRAINING_METRICS } from "./style.ts";
import { ema, mean, std } from "../util/stats.ts";

/** Options of the training-curve figures. */
export interface CurveOptions {
  /** EMA smoothing weight in [0, 1) (0: none). @default 0.6 */
  smoothing?: number;
  /** Figure title. @default the metric's title */
  title?: string;
}

interface MetricRow {
  run: string;
  method: string;
  step: number;
  metric: string;
  value: number;
}

/**
 * A colour with transparency.
 *
 * @param hex `#rrggbb`
 * @param alpha opacity in [0, 1]
 * @returns `rgba(...)`
 */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function curveTraces(
  rows: MetricRow[],
  smoothing: number,
  axes: { xaxis: string; yaxis: string },
  legend: boolean,
): Record<string, unknown>[] {
  const traces: Record<string, unknown>[] = [];
  for (const method of sortMethods(rows.map((r) => r.method))) {
    const color = methodColor(method);
    const name = methodLabel(method);
    const runs = [...new Set(rows.filter((r) => r.method === method).map((r) => r.run))];
    const series = runs.map((run) => {
      const rs = rows.filter((r) => r.run === run).sort((a, b) => a.step - b.step);
      return { run, steps: rs.map((r) => r.step), raw: rs.map((r) => r.value) };
    });
    const common = { ...axes, legendgroup: method, mode: "lines" };
    if (series.length === 1) {
      const [s] = series;
      traces.push({
        ...common,
        x: s.steps,
        y: s.raw,
        name: `${name} (raw)`,
        showlegend: false,
        line: { color: withAlpha(color, 0.45), width: 1 },
        hoverinfo: "skip",
      });
      traces.push({
        ...common,
        x: s.steps,
        y: ema(s.raw, smoothing),
        name,
        showlegend: legend,
        line: { color, width: 2 },
      });
    } else {
      const steps = [...new Set(series.flatMap((s) => s.steps))].sort((a, b) => a - b);
      const smooth = series.map((s) =>
        new Map(s.steps.map((st, i) => [st, ema(s.raw, smoothing)[i]]))
      );
      const at = steps.map((st) =>
        smooth.map((m) => m.get(st)).filter((v) => v !== undefined) as number[]
      );
      const m = at.map((xs) => mean(xs));
      const sd = at.map((xs) => std(xs));
      traces.push({
        ...common,
        x: steps,
        y: m.map((v, i) => v + sd[i]),
        showlegend: false,
        line: { width: 0, color },
        hoverinfo: "skip",
        name: `${name} +1 sd`,
      });
      traces.push({
        ...common,
        x: steps,
        y: m.map((v, i) => v - sd[i]),
        showlegend: false,
        fill: "tonexty",
        fillcolor: withAlpha(color, 0.2),
        line: { width: 0, color },
        hoverinfo: "skip",
        name: `${name} −1 sd`,
      });
      traces.push({
        ...common,
        x: steps,
        y: m,
        name: `${name} (mean of ${series.length} runs ± 1 sd)`,
        showlegend: legend,
        line: { color, width: 2 },
      });
    }
  }
  return traces;
}

function rowsFor(metrics: aq.ColumnTable, metric: string): MetricRow[] {
  return rowsOf<MetricRow>(metrics).filter((r) => r.metric === metric && r.step >= 1);
}

/**
 * One training metric against the step, for every run in the table.
 *
 * @param metrics the `metrics` table of a run set
 * @param options the metric (verl's name, e.g. `critic/score/mean`), smoothing and title
 * @returns the figure
 * @throws when no run logged the metric
 */
export function trainingCurve(
  metrics: aq.ColumnTable,
  options: CurveOptions & { metric: string },
): PlotlyFigure {
  const rows = rowsFor(metrics, options.metric);
  if (rows.length === 0) throw new Error(`trainingCurve: no run logged ${options.metric}`);
  const info = metricInfo(options.metric);
  const smoothing = options.smoothing ?? 0.6;
  return {
    data: curveTraces(rows, smoothing, { xaxis: "x", yaxis: "y" }, true),
    layout: baseLayout(
      options.title ?? `${info.title} (EMA ${smoothing}; faint: raw)`,
      "training step",
      info.axis,
      { yaxis: { tickformat: ".3~g" } },
    ),
  };
}

/**
 * The metrics a dashboard of these runs shows: the reward, each `reward/<term>/mean`, then
 * length, clip ratio, KL, entropy, clip fraction, value loss, explained variance and
 * log-prob drift, each where some run logged it.
 *
 * @param metrics the `metrics` table
 * @returns metric names in panel order
 */
export function dashboardMetrics(metrics: aq.ColumnTable): string[] {
  const logged = new Set(
    rowsOf<MetricRow>(metrics).filter((r) => r.step >= 1).map((r) => r.metric),
  );
  const terms = [...logged].filter((m) => /^reward\/.+\/mean$/.test(m)).sort();
  const [reward, ...rest] = TRAINING_METRICS;
  return [reward, ...terms, ...rest].filter((m) => logged.has(m));
}

/**
 * A grid of training curves (three per row), one legend for all panels.
 *
 * @param metrics the `metrics` table
 * @param options smoothing, title, and the metrics (default {@link dashboardMetrics})
 * @returns the figure
 * @throws when the table has none of the metrics
 */
export function trainingDashboard(
  metrics: aq.ColumnTable,
  options: CurveOptions & { metrics?: string[] } = {},
): PlotlyFigure {
  const names = options.metrics ?? dashboardMetrics(metrics);
  if (names.length === 0) throw new Error("trainingDashboard: no training metrics in the table");
  const smoothing = options.smoothing ?? 0.6;
  const cols = Math.min(3, names.length);
  const nrows = Math.ceil(names.length / cols);
  const data: Record<string, unknown>[] = [];
  const layout = baseLayout(
    options.title ?? `Training curves (EMA ${smoothing}; faint: raw; bands: ±1 sd over runs)`,
    "",
    "",
    { height: 280 * nrows + 120, width: 1200, margin: { l: 60, r: 20, t: 80, b: 80 } },
  );
  delete layout.xaxis;
  delete layout.yaxis;
  layout.legend = { orientation: "h", y: -60 / (280 * nrows), yanchor: "top" };
  const annotations: Record<string, unknown>[] = [];
  const gapX = 0.07, gapY = 0.55 / (nrows * 2 + 1);
  names.forEach((metric, i) => {
    const r = Math.floor(i / cols), c = i % cols;
    const suffix = i === 0 ? "" : String(i + 1);
    const x0 = c / cols + (c > 0 ? gapX / 2 : 0),
      x1 = (c + 1) / cols - (c < cols - 1 ? gapX / 2 : 0);
    const y1 = 1 - r / nrows - (r > 0 ? gapY : 0), y0 = 1 - (r + 1) / nrows + gapY;
    const info = metricInfo(metric);
    data.push(
      ...curveTraces(rowsFor(metrics, metric), smoothing, {
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
      }, i === 0),
    );
    layout[`xaxis${suffix}`] = {
      domain: [x0, x1],
      anchor: `y${suffix}`,
      gridcolor: "#e5e5e5",
      title: { text: i + cols >= names.length ? "training step" : "", font: { size: 11 } },
    };
    layout[`yaxis${suffix}`] = {
      domain: [y0, y1],
      anchor: `x${suffix}`,
      gridcolor: "#e5e5e5",
      title: { text: info.axis, font: { size: 11 } },
      tickformat: ".3~g",
    };
    annotations.push({
      text: `<b>${info.title}</b>`,
      x: (x0 + x1) / 2,
      y: y1,
      xref: "paper",
      yref: "paper",
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
    });
  });
  layout.annotations = annotations;
  return { data, layout };
}
