/**
 * Analysis: run directories as arquero tables, derived tables (scores with CIs, domain
 * averages, deltas vs base, transfer matrix, cost and ratios), Plotly figure specs, and
 * rendering for notebooks, standalone HTML and PNG/SVG. Verbs are pure functions
 * `(table, opts) => table | PlotlyFigure`; statistics come from `lib/util/stats.ts`.
 *
 * @module
 */

export * from "./load.ts";
export * from "./tables.ts";
export * from "./cost.ts";
export * from "./paper.ts";
export * from "./plotly.ts";
export * from "./style.ts";
export * from "./figures_training.ts";
export * from "./figures_eval.ts";
export * from "./figures_samples.ts";
export * from "./render.ts";
export { flushDisplays } from "./iopub_flush.ts";
export * from "./figure_set.ts";
export * from "./transfer.ts";
