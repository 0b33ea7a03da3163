/**
 * Analysis: arquero tables and Plotly figure specs over evaluation results, with wrappers
 * that render them in Deno Jupyter notebooks.
 *
 * @module
 */

export * from "./transfer.ts";
