/**
 * Rendering figures and tables: in a Deno Jupyter notebook (a MIME bundle with the Plotly
 * type `application/vnd.plotly.v1+json`, which JupyterLab and VS Code render interactively,
 * plus a `text/html` fallback that loads plotly.js), as standalone HTML (plotly.js from the
 * npm package `plotly.js-dist-min` inlined, so the file opens offline), and as PNG or SVG through
 * headless Chromium (Debian's `/usr/bin/chromium` driven by `playwright-core`).
 *
 * @module
 */

import type * as aq from "arquero";
import { flushDisplays } from "./iopub_flush.ts";
import { figureTitle, type PlotlyFigure } from "./plotly.ts";

/** The symbol under which the Deno Jupyter kernel looks for a value's MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A value a Deno Jupyter cell renders through its MIME bundle. */
export interface Displayable {
  /** Returns the MIME bundle. */
  [JUPYTER_DISPLAY]: () => Record<string, unknown>;
}

/** Where the `text/html` of a figure gets plotly.js. */
export type PlotlySource = "inline" | "cdn";

/** The version of `plotly.js-dist-min` in deno.json (the CDN copy of the same file). */
export const PLOTLY_VERSION = "4.1.1";

let plotlyJs: string | null = null;

/**
 * The path of `plotly.js-dist-min/plotly.min.js` (the minified build) resolved from the import map.
 *
 * @returns the file path
 */
export function plotlyJsPath(): string {
  const url = new URL(import.meta.resolve("plotly.js-dist-min"));
  return url.pathname.endsWith(".js") ? url.pathname : `${url.pathname}/plotly.min.js`;
}

/**
 * The source of plotly.js, minified (read once per process).
 *
 * @returns the script text
 */
export function plotlyScript(): string {
  plotlyJs ??= Deno.readTextFileSync(plotlyJsPath());
  return plotlyJs;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * An HTML fragment that draws the figure: a div and a script calling `Plotly.newPlot`,
 * loading plotly.js inline (works offline) or from jsDelivr's copy of the npm package.
 *
 * @param figure the figure
 * @param options where plotly.js comes from (default `cdn`, which keeps notebooks small)
 * @returns the HTML
 */
export function figureFragment(
  figure: PlotlyFigure,
  options: { plotly?: PlotlySource } = {},
): string {
  const id = `grlo-fig-${crypto.randomUUID()}`;
  const spec = JSON.stringify(figure).replace(/</g, "\\u003c");
  const loader = (options.plotly ?? "cdn") === "inline"
    ? `<script>${plotlyScript().replace(/<\/script/gi, "<\\/script")}</script>`
    : `<script src="https://cdn.jsdelivr.net/npm/plotly.js-dist-min@${PLOTLY_VERSION}/plotly.min.js"></script>`;
  return `<div id="${id}" style="width:100%"></div>${loader}<script>` +
    `(function(){var f=${spec};Plotly.newPlot("${id}",f.data,f.layout,{responsive:true});})();` +
    `</script>`;
}

/**
 * A standalone HTML page of one figure with plotly.js inlined (opens offline).
 *
 * @param figure the figure
 * @returns the page
 */
export function figureHTML(figure: PlotlyFigure): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${
    escapeHtml(figureTitle(figure))
  }</title></head><body style="margin:0">${figureFragment(figure, { plotly: "inline" })}` +
    `</body></html>\n`;
}

/**
 * Wraps a figure so a Deno Jupyter cell renders it interactively: the Plotly MIME bundle,
 * a `text/html` fallback and a `text/plain` line.
 *
 * @param figure the figure
 * @param options where the HTML fallback gets plotly.js (`inline` for offline HTML exports)
 * @returns a displayable value (`await Deno.jupyter.display(x)`, or a cell's last expression)
 */
export function displayFigure(
  figure: PlotlyFigure,
  options: { plotly?: PlotlySource } = {},
): Displayable {
  return {
    [JUPYTER_DISPLAY]: () => ({
      "application/vnd.plotly.v1+json": figure,
      "text/html": figureFragment(figure, options),
      "text/plain": `Plotly figure: ${figureTitle(figure)}`,
    }),
  };
}

/** Score columns that {@link displayTable} shows in percent (scores are fractions in the tables). */
export const PERCENT_COLUMNS: readonly string[] = [
  "value",
  "base_value",
  "delta",
  "lower",
  "upper",
];

/**
 * Wraps an arquero table so a Deno Jupyter cell renders it as HTML: the score columns
 * ({@link PERCENT_COLUMNS}) as percentages with one decimal, other numbers to 4 significant
 * digits.
 *
 * @param table the table
 * @param options formats per column (arquero's `format` option), overriding the defaults
 * @returns a displayable value
 */
export function displayTable(
  table: aq.ColumnTable,
  options: { format?: Record<string, (v: unknown) => string> } = {},
): Displayable {
  const num = (v: unknown) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v);
  const pct = (v: unknown) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : String(v));
  const format = Object.fromEntries(
    table.columnNames().map((c) => [
      c,
      options.format?.[c] ?? (PERCENT_COLUMNS.includes(c) ? pct : num),
    ]),
  );
  return {
    [JUPYTER_DISPLAY]: () => ({
      "text/html": table.toHTML({ format }),
      "text/plain": table.toMarkdown({ format }),
    }),
  };
}

/**
 * Shows a figure, a table or any displayable value in the current notebook cell and waits
 * until the kernel has published it under this cell ({@link flushDisplays}: Deno's kernel
 * queues outputs, and a cell that ends with large ones still queued loses them). Prefer it to
 * ending a cell with a large value, whose result message races the cell's end the same way.
 *
 * @param value a figure, an arquero table, or a value with a `Symbol.for("Jupyter.display")`
 *   method (e.g. {@link displayTable} with custom formats)
 * @returns when the kernel has published it
 */
export async function display(value: PlotlyFigure | aq.ColumnTable | Displayable): Promise<void> {
  const d = JUPYTER_DISPLAY in value
    ? value as Displayable
    : "columnNames" in value
    ? displayTable(value as aq.ColumnTable)
    : displayFigure(value as PlotlyFigure);
  await Deno.jupyter.display(d[JUPYTER_DISPLAY](), { raw: true });
  await flushDisplays();
}

/** Options of {@link renderImages}. */
export interface ImageOptions {
  /** `png` or `svg`. @default "png" */
  format?: "png" | "svg";
  /** Width in CSS pixels when the layout has none. @default 900 */
  width?: number;
  /** Height in CSS pixels when the layout has none. @default 540 */
  height?: number;
  /** PNG pixel ratio. @default 2 */
  scale?: number;
  /** The Chromium binary. @default env GRLO_CHROMIUM, else /usr/bin/chromium */
  chromium?: string;
}

/**
 * The Chromium binary to use, checked to exist.
 *
 * @param path an explicit path
 * @returns the path
 * @throws naming the missing binary and the apt line that installs it
 */
export function findChromium(path?: string): string {
  const bin = path ?? Deno.env.get("GRLO_CHROMIUM") ?? "/usr/bin/chromium";
  const ok = (() => {
    try {
      return Deno.statSync(bin).isFile;
    } catch {
      return false;
    }
  })();
  if (!ok) {
    throw new Error(
      `headless Chromium not found at ${bin} (PNG/SVG figures need it): install it with ` +
        "`apt-get install -y chromium`, or set GRLO_CHROMIUM to a Chromium binary",
    );
  }
  return bin;
}

/**
 * Renders figures to PNG bytes or SVG text in one headless Chromium page.
 *
 * @param figures the figures
 * @param options format, size, scale, Chromium binary
 * @returns one image per figure (PNG bytes, or SVG as UTF-8 bytes)
 * @throws when Chromium is missing (see {@link findChromium})
 */
export async function renderImages(
  figures: readonly PlotlyFigure[],
  options: ImageOptions = {},
): Promise<Uint8Array[]> {
  const executablePath = findChromium(options.chromium);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  const out: Uint8Array[] = [];
  try {
    const page = await browser.newPage();
    await page.setContent('<div id="g"></div>');
    await page.addScriptTag({ path: plotlyJsPath() });
    for (const f of figures) {
      const width = (f.layout.width as number | undefined) ?? options.width ?? 900;
      const height = (f.layout.height as number | undefined) ?? options.height ?? 540;
      const url = await page.evaluate(
        // deno-lint-ignore no-explicit-any
        async ([fig, fmt, w, h, s]: any) => {
          // deno-lint-ignore no-explicit-any
          const P = (globalThis as any).Plotly;
          const gd = await P.newPlot("g", fig.data, { ...fig.layout, width: w, height: h });
          const img = await P.toImage(gd, { format: fmt, width: w, height: h, scale: s });
          P.purge(gd);
          return img as string;
        },
        [f, options.format ?? "png", width, height, options.scale ?? 2],
      );
      const comma = url.indexOf(",");
      const payload = url.slice(comma + 1);
      out.push(
        url.slice(0, comma).endsWith(";base64")
          ? Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))
          : new TextEncoder().encode(decodeURIComponent(payload)),
      );
    }
  } finally {
    await browser.close();
  }
  return out;
}
