import assert from "node:assert/strict";
import {
  displayFigure,
  figureHTML,
  figuresFor,
  findChromium,
  JUPYTER_DISPLAY,
  loadRuns,
  PLOTLY_VERSION,
  plotlyScript,
  renderImages,
} from "../../lib/analysis/mod.ts";
import { decodePng } from "./_png.ts";

const FIXTURES = new URL("../fixtures/runs/", import.meta.url).pathname;
// Without Chromium the PNG test is ignored, except under CI=true, where it runs and fails.
const hasChromium = Deno.env.get("CI") === "true" || (() => {
  try {
    findChromium();
    return true;
  } catch {
    return false;
  }
})();

Deno.test("displayFigure() gives the Plotly MIME bundle with an HTML fallback", async () => {
  const [f] = figuresFor(await loadRuns([`${FIXTURES}grlo-s1`]));
  const bundle = displayFigure(f.figure)[JUPYTER_DISPLAY]();
  assert.equal(bundle["application/vnd.plotly.v1+json"], f.figure);
  assert.match(
    bundle["text/html"] as string,
    /plotly\.js-dist-min@4\.1\.1\/plotly\.min\.js".*Plotly\.newPlot/s,
  );
  assert.match(bundle["text/plain"] as string, /^Plotly figure: Reward/);
  const offline = displayFigure(f.figure, { plotly: "inline" })[JUPYTER_DISPLAY]();
  assert.doesNotMatch(offline["text/html"] as string, /<script src=/);
});

Deno.test("figureHTML() is self-contained: plotly.js inline, no external script", async () => {
  const [f] = figuresFor(await loadRuns([`${FIXTURES}grlo-s1`]));
  const html = figureHTML(f.figure);
  assert.ok(html.length > 1_000_000, "plotly.js inlined");
  assert.ok(html.length < 6_000_000, `the minified build (${html.length} chars)`);
  assert.doesNotMatch(html, /<script src=/);
  assert.match(html, /<title>Reward \(EMA 0\.6; faint: raw\)<\/title>/);
});

Deno.test("PLOTLY_VERSION is deno.json's plotly.js-dist-min and the inlined build's", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(config.imports["plotly.js-dist-min"], `npm:plotly.js-dist-min@${PLOTLY_VERSION}`);
  assert.equal(config.imports["plotly.js-dist"], undefined);
  assert.match(
    plotlyScript().slice(0, 200),
    new RegExp(`plotly\\.js v${PLOTLY_VERSION.replace(/\./g, "\\.")}\\b`),
  );
});

Deno.test("findChromium() names the missing binary and the apt line", () => {
  assert.throws(
    () => findChromium("/nonexistent/chromium"),
    /Chromium not found at \/nonexistent\/chromium.*apt-get install -y chromium/,
  );
});

Deno.test({
  name: "renderImages() draws every fixture figure as a non-blank PNG and an SVG with its titles",
  ignore: !hasChromium,
  fn: async () => {
    const figures = figuresFor(await loadRuns([`${FIXTURES}reproduce`, `${FIXTURES}grlo-s1`]));
    const pngs = await renderImages(figures.map((f) => f.figure), { scale: 1 });
    for (const [i, bytes] of pngs.entries()) {
      const img = await decodePng(bytes);
      const w = (figures[i].figure.layout.width as number | undefined) ?? 900;
      assert.equal(img.width, w, figures[i].name);
      let ink = 0;
      const colors = new Set<number>();
      for (let p = 0; p < img.rgba.length; p += 4) {
        const [r, g, b] = [img.rgba[p], img.rgba[p + 1], img.rgba[p + 2]];
        if (r < 235 || g < 235 || b < 235) ink++;
        colors.add((r << 16) | (g << 8) | b);
      }
      assert.ok(ink / (img.width * img.height) > 0.01, `${figures[i].name}: ink ${ink}`);
      assert.ok(colors.size > 20, `${figures[i].name}: ${colors.size} colours`);
    }
    const bars = figures.findIndex((f) => f.name === "benchmarks");
    const img = await decodePng(pngs[bars]);
    let blue = 0; // GRLO's #0072B2 bars
    for (let p = 0; p < img.rgba.length; p += 4) {
      if (img.rgba[p] === 0 && img.rgba[p + 1] === 0x72 && img.rgba[p + 2] === 0xb2) blue++;
    }
    assert.ok(blue > 1000, `GRLO-blue pixels: ${blue}`);
    const [svg] = await renderImages([figures[bars].figure], { format: "svg" });
    const text = new TextDecoder().decode(svg);
    assert.match(text, /^<svg/);
    for (const t of ["Score per benchmark", "score (%)", "benchmark (grouped by domain)", "GRLO"]) {
      assert.ok(text.includes(t), t);
    }
  },
});
