/**
 * The Plotly figure spec type and the layout every kit figure starts from (font, margins,
 * white background, legend placement), so figures look alike in notebooks, HTML and PNG.
 *
 * @module
 */

/** A Plotly figure spec (`data` traces and `layout`), plain JSON as plotly.js and Jupyter take it. */
export interface PlotlyFigure {
  /** The traces. */
  data: Record<string, unknown>[];
  /** The layout. */
  layout: Record<string, unknown>;
}

/**
 * A layout with the kit's look and the given title and axis titles.
 *
 * @param title the figure title
 * @param x the x-axis title (with unit)
 * @param y the y-axis title (with unit)
 * @param extra more layout keys (merged over the defaults; axis objects are merged too)
 * @returns the layout
 */
export function baseLayout(
  title: string,
  x: string,
  y: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const { xaxis, yaxis, ...rest } = extra as { xaxis?: object; yaxis?: object };
  return {
    title: { text: title, x: 0.02, xanchor: "left" },
    font: { family: "Helvetica, Arial, sans-serif", size: 13 },
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    margin: { l: 70, r: 30, t: 60, b: 60 },
    xaxis: { title: { text: x }, gridcolor: "#e5e5e5", zeroline: false, ...xaxis },
    yaxis: { title: { text: y }, gridcolor: "#e5e5e5", zeroline: false, ...yaxis },
    legend: { orientation: "h", y: -0.2 },
    ...rest,
  };
}

/**
 * A figure's title text.
 *
 * @param figure the figure
 * @returns the title, or "" when there is none
 */
export function figureTitle(figure: PlotlyFigure): string {
  const t = figure.layout.title;
  return typeof t === "string" ? t : (t as { text?: string } | undefined)?.text ?? "";
}
