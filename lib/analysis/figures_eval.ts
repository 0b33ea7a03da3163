/**
 * Evaluation figures as Plotly specs: per-benchmark grouped bars (one colour per method,
 * bootstrap CIs as error bars), the efficiency frontier (average score against training
 * compute or prompts, log x, with the paper's points overlaid and labelled as the paper's),
 * and the transfer heatmap (training environment x evaluation domain).
 *
 * @module
 */

import type * as aq from "arquero";
import { rowsOf, tableOf } from "./_files.ts";
import { paperNumbers } from "./paper.ts";
import { baseLayout, type PlotlyFigure } from "./plotly.ts";
import { methodColor, methodLabel, sortMethods } from "./style.ts";
import { mean, std } from "../util/stats.ts";

interface ScoreCI {
  method: string;
  suite: string;
  domain: string;
  value: number | null;
  lower?: number | null;
  upper?: number | null;
}

/**
 * Grouped bars: suites on x (grouped by domain), one bar per method, the score in percent
 * with its bootstrap CI as an error bar; a method with several evaluation runs shows their
 * mean ± 1 standard deviation instead.
 *
 * @param scores a {@link scoreTable} (or the plain `scores` table: no error bars)
 * @param options the title
 * @returns the figure
 * @throws when the table has no scored suite
 */
export function benchmarkBars(
  scores: aq.ColumnTable,
  options: { title?: string } = {},
): PlotlyFigure {
  const rows = rowsOf<ScoreCI>(scores).filter((r) => r.value !== null);
  if (rows.length === 0) throw new Error("benchmarkBars: no scored suite in the table");
  const order = ["chat", "math", "code"];
  const suites = [...new Set(rows.map((r) => `${r.domain}\u0000${r.suite}`))]
    .sort((a, b) => order.indexOf(a.split("\u0000")[0]) - order.indexOf(b.split("\u0000")[0]))
    .map((k) => k.split("\u0000"));
  const data = sortMethods(rows.map((r) => r.method)).map((method) => {
    const cells = suites.map(([, suite]) =>
      rows.filter((r) => r.method === method && r.suite === suite)
    );
    const y = cells.map((c) => (c.length === 0 ? null : 100 * mean(c.map((r) => r.value!))));
    const plus = cells.map((c, i) =>
      c.length > 1
        ? 100 * std(c.map((r) => r.value!))
        : c[0]?.upper != null
        ? 100 * c[0].upper - y[i]!
        : 0
    );
    const minus = cells.map((c, i) =>
      c.length > 1
        ? 100 * std(c.map((r) => r.value!))
        : c[0]?.lower != null
        ? y[i]! - 100 * c[0].lower
        : 0
    );
    return {
      type: "bar",
      name: methodLabel(method),
      x: [suites.map(([d]) => d), suites.map(([, s]) => s)],
      y,
      marker: { color: methodColor(method) },
      error_y: {
        type: "data",
        symmetric: false,
        array: plus,
        arrayminus: minus,
        thickness: 1.2,
        width: 3,
      },
      hovertemplate: "%{x}: %{y:.1f}%<extra>" + methodLabel(method) + "</extra>",
    };
  });
  return {
    data,
    layout: baseLayout(
      options.title ?? "Score per benchmark (error bars: 95% bootstrap CI over questions)",
      "benchmark (grouped by domain)",
      "score (%)",
      { barmode: "group", yaxis: { rangemode: "tozero" } },
    ),
  };
}

/**
 * The points of the efficiency frontier: each stage's average over all domains with the
 * training cost that produced it. A stage trained on top of another (GRLO->RLVR on GRLO)
 * adds the cost of the stages it continues (`cumulative`).
 *
 * @param averages a {@link domainAverages} table
 * @param options the {@link costTable}, and which methods continue which
 *   (default `{"grlo-rlvr": ["grlo"]}`)
 * @returns `method`, `average` (percent), `device_hours`, `prompts` (0 for the base model);
 *   one row per method (seeds averaged)
 */
export function frontierTable(
  averages: aq.ColumnTable,
  options: { cost: aq.ColumnTable; cumulative?: Record<string, string[]> },
): aq.ColumnTable {
  const cumulative = options.cumulative ?? { "grlo-rlvr": ["grlo"] };
  const cost = rowsOf<{ method: string; device_hours: number; prompts: number }>(options.cost);
  const costOf = (m: string, col: "device_hours" | "prompts") => {
    const xs = cost.filter((c) => c.method === m).map((c) => c[col]);
    return xs.length === 0 ? 0 : mean(xs);
  };
  const all = rowsOf<{ method: string; domain: string; value: number }>(averages).filter((r) =>
    r.domain === "all"
  );
  const rows = sortMethods(all.map((r) => r.method)).map((method) => {
    const chain = [method, ...(cumulative[method] ?? [])];
    return {
      method,
      average: 100 * mean(all.filter((r) => r.method === method).map((r) => r.value)),
      device_hours: chain.reduce((t, m) => t + costOf(m, "device_hours"), 0),
      prompts: chain.reduce((t, m) => t + costOf(m, "prompts"), 0),
    };
  });
  return tableOf(rows, ["method", "average", "device_hours", "prompts"]);
}

/**
 * Average score against training compute (device hours) or prompts, log x. Methods with no
 * training cost (the base model) are horizontal dashed lines; the paper's points (GRLO on
 * Qwen3-4B-Base and its base model) are drawn as open diamonds labelled "paper".
 *
 * @param frontier a {@link frontierTable}
 * @param options `x`: `compute` or `prompts` (default compute); `paper`: overlay the paper's
 *   points (default true); the title
 * @returns the figure
 */
export function efficiencyFrontier(
  frontier: aq.ColumnTable,
  options: { x?: "compute" | "prompts"; paper?: boolean; title?: string } = {},
): PlotlyFigure {
  const byCompute = (options.x ?? "compute") === "compute";
  const col = byCompute ? "device_hours" : "prompts";
  const rows = rowsOf<{ method: string; average: number; device_hours: number; prompts: number }>(
    frontier,
  );
  const data: Record<string, unknown>[] = [];
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const hline = (y: number, color: string, text: string, right: boolean) => {
    shapes.push({
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      y0: y,
      y1: y,
      line: { color, dash: "dash", width: 1.5 },
    });
    annotations.push({
      xref: "paper",
      x: right ? 0.99 : 0.01,
      y,
      yanchor: "bottom",
      xanchor: right ? "right" : "left",
      text,
      showarrow: false,
      font: { color, size: 11 },
    });
  };
  const trained = rows.filter((r) => r[col] > 0);
  for (const r of rows.filter((r) => !(r[col] > 0))) {
    hline(
      r.average,
      methodColor(r.method),
      `${methodLabel(r.method)} (this kit): ${r.average.toFixed(1)}%`,
      false,
    );
  }
  for (const r of trained) {
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: `${methodLabel(r.method)} (this kit)`,
      x: [r[col]],
      y: [r.average],
      text: [methodLabel(r.method)],
      textposition: "top center",
      marker: { color: methodColor(r.method), size: 12 },
    });
  }
  if (options.paper ?? true) {
    const p = paperNumbers();
    for (const pt of p.points) {
      const x = byCompute ? pt.gpu_hours : pt.prompts;
      if (!(x > 0)) hline(pt.average, "#444444", `paper: ${pt.label} ${pt.average}%`, true);
      else {
        data.push({
          type: "scatter",
          mode: "markers+text",
          name: `paper (arXiv ${p.source.arxiv}): ${pt.label}`,
          x: [x],
          y: [pt.average],
          text: [`paper: ${pt.label} `],
          textposition: "middle left",
          marker: {
            symbol: "diamond-open",
            size: 13,
            color: methodColor(pt.method),
            line: { width: 2 },
          },
        });
      }
    }
  }
  const xTitle = byCompute
    ? "training compute (device hours, log; the paper's are GPU hours)"
    : "training prompts (log)";
  return {
    data,
    layout: baseLayout(
      options.title ??
        `Average score over all domains vs ${byCompute ? "compute" : "training prompts"}`,
      xTitle,
      "average over chat, math, code (%)",
      { xaxis: { type: "log" }, yaxis: { rangemode: "tozero" }, shapes, annotations },
    ),
  };
}

/**
 * The transfer heatmap: training environment (rows) x evaluation domain (columns), the
 * delta against the base in percentage points (seeds averaged), diverging colours centred
 * on zero, each cell labelled with its delta and CI.
 *
 * @param matrix a {@link transferMatrix}
 * @param options the title
 * @returns the figure
 * @throws when the matrix is empty
 */
export function transferHeatmap(
  matrix: aq.ColumnTable,
  options: { title?: string } = {},
): PlotlyFigure {
  const rows = rowsOf<
    {
      method: string;
      environment: string;
      domain: string;
      delta: number;
      lower: number | null;
      upper: number | null;
    }
  >(matrix);
  if (rows.length === 0) throw new Error("transferHeatmap: empty transfer matrix");
  const methods = sortMethods(rows.map((r) => r.method));
  const domains = ["chat", "math", "code", "all"].filter((d) => rows.some((r) => r.domain === d));
  const cell = (m: string, d: string) => rows.filter((r) => r.method === m && r.domain === d);
  const z = methods.map((m) =>
    domains.map((d) => {
      const c = cell(m, d);
      return c.length === 0 ? null : 100 * mean(c.map((r) => r.delta));
    })
  );
  const text = methods.map((m, i) =>
    domains.map((d, j) => {
      const c = cell(m, d);
      const ci = c.length === 1 && c[0].lower !== null && c[0].upper !== null
        ? `<br>[${(100 * c[0].lower).toFixed(1)}, ${(100 * c[0].upper!).toFixed(1)}]`
        : "";
      return z[i][j] === null ? "" : `${z[i][j]! >= 0 ? "+" : ""}${z[i][j]!.toFixed(1)}${ci}`;
    })
  );
  const maxAbs = Math.max(1, ...z.flat().filter((v) => v !== null).map((v) => Math.abs(v!)));
  const env = (m: string) => rows.find((r) => r.method === m)!.environment;
  return {
    data: [{
      type: "heatmap",
      x: domains.map((d) => (d === "all" ? "all domains" : d)),
      y: methods.map((m) => `${methodLabel(m)} (${env(m)})`),
      z,
      text,
      texttemplate: "%{text}",
      zmin: -maxAbs,
      zmax: maxAbs,
      colorscale: [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#2166ac"]],
      colorbar: { title: { text: "Δ vs base (pp)" } },
      hovertemplate: "%{y} → %{x}: %{z:.1f} pp<extra></extra>",
    }],
    layout: baseLayout(
      options.title ?? "Transfer: training environment × evaluation domain (Δ vs base, 95% CI)",
      "evaluation domain",
      "training stage (environment)",
      { yaxis: { autorange: "reversed" }, margin: { l: 220, r: 30, t: 60, b: 60 } },
    ),
  };
}
