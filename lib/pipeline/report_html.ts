/**
 * `OUT/report.html`: the reproduce report as one self-contained page (opens offline): the
 * transfer table with CIs, what improved, the cost table and ratios, and the base models'
 * training figures.
 *
 * @module
 */

import { join } from "node:path";
import { writeTextFileAtomic } from "../util/atomic.ts";
import { formatReport, type ReproduceReport } from "./report.ts";
import type { ToyPipelineResult } from "./toy.ts";

const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}`;

function transferTable(rep: ReproduceReport): string {
  const suites = rep.methods[0]?.suites ?? [];
  const head = `<tr><th>method</th>${
    suites.map((s) => `<th>${esc(s.suite)}<br><small>${esc(s.metric)}, n=${s.n}</small></th>`).join(
      "",
    )
  }<th>chat</th><th>math</th><th>code</th><th>average</th><th>clean stops</th></tr>`;
  const rows = rep.methods.map((m) =>
    `<tr><td>${esc(m.method)}${m.seeds > 1 ? ` <small>(${m.seeds} seeds)</small>` : ""}</td>${
      m.suites.map((s) =>
        `<td>${pct(s.value)}${
          s.ci ? `<br><small>[${pct(s.ci[0])}, ${pct(s.ci[1])}]</small>` : ""
        }</td>`
      ).join("")
    }${["chat", "math", "code"].map((d) => `<td>${pct(m.domains[d])}</td>`).join("")}<td><b>${
      pct(m.average)
    }</b></td><td>${pct(m.cleanStopRate)}</td></tr>`
  );
  const latent = rep.latentSkill.length
    ? `<tr><td>base, completion prompts <small>(latent skill)</small></td>${
      suites.map((s) => {
        const l = rep.latentSkill.find((x) => x.suite === s.suite);
        return `<td>${l ? pct(l.value) : "–"}</td>`;
      }).join("")
    }<td colspan="5"></td></tr>`
    : "";
  return `<table>${head}${rows.join("")}${latent}</table>`;
}

function costTable(rep: ReproduceReport): string {
  const rows = rep.costs.map((c) =>
    `<tr><td>${
      esc(c.stage)
    }</td><td>${c.prompts}</td><td>${c.tokensGenerated}</td><td>${c.tokensTrained}</td><td>${
      c.cpuSeconds.toFixed(0)
    }</td><td>${c.wallSeconds.toFixed(0)}</td></tr>`
  );
  return `<table><tr><th>training stage</th><th>prompts</th><th>tokens generated</th><th>tokens trained</th><th>CPU s</th><th>wall s</th></tr>${
    rows.join("")
  }</table>`;
}

async function curve(file: string, key: string): Promise<[number, number][]> {
  try {
    return (await Deno.readTextFile(file)).trim().split("\n").map((l) => JSON.parse(l))
      .filter((m) => typeof m[key] === "number").map((m) => [m["training/global_step"], m[key]]);
  } catch {
    return [];
  }
}

/** A small inline SVG line chart (no script needed). */
function svgCurve(title: string, points: [number, number][], yLabel: string): string {
  if (points.length === 0) return "";
  const W = 420, H = 220, L = 50, B = 35, T = 25;
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1],
    [y0, y1] = [Math.min(0, ...ys), Math.max(...ys) || 1];
  const X = (x: number) => L + (W - L - 10) * (x - x0) / ((x1 - x0) || 1);
  const Y = (y: number) => H - B - (H - B - T) * (y - y0) / ((y1 - y0) || 1);
  const path = points.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`)
    .join("");
  return `<svg width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><text x="${
    W / 2
  }" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>
<line x1="${L}" y1="${H - B}" x2="${W - 10}" y2="${
    H - B
  }" stroke="#888"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/>
<text x="${L}" y="${H - B + 14}" font-size="11">${x0}</text><text x="${W - 10}" y="${
    H - B + 14
  }" font-size="11" text-anchor="end">${x1}</text>
<text x="${L - 4}" y="${H - B}" font-size="11" text-anchor="end">${y0.toFixed(2)}</text><text x="${
    L - 4
  }" y="${T + 8}" font-size="11" text-anchor="end">${y1.toFixed(2)}</text>
<text x="${(L + W) / 2}" y="${
    H - 5
  }" font-size="12" text-anchor="middle">step</text><text x="12" y="${
    (T + H - B) / 2
  }" font-size="12" transform="rotate(-90 12 ${(T + H - B) / 2})" text-anchor="middle">${
    esc(yLabel)
  }</text>
<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/></svg>`;
}

/**
 * Writes `OUT/report.html`.
 *
 * @param out the output directory
 * @param rep the report
 * @param result the pipeline result (training logs for the curves)
 */
export async function writeReportHtml(
  out: string,
  rep: ReproduceReport,
  result: ToyPipelineResult,
): Promise<void> {
  const curves = [
    svgCurve(
      "pre-training: held-out loss",
      await curve(result.pretrain.metrics, "val/loss"),
      "loss (nats/token)",
    ),
    svgCurve(
      "reward model: held-out pairwise accuracy",
      await curve(result.rewardModel.metrics, "val/accuracy"),
      "accuracy",
    ),
    svgCurve(
      "GRLO: reward (critic/score/mean)",
      await curve(join(out, "grlo", "metrics.jsonl"), "critic/score/mean"),
      "RM score",
    ),
    svgCurve(
      "GRLO: clean-stop rate (health/eos_ratio)",
      await curve(join(out, "grlo", "metrics.jsonl"), "health/eos_ratio"),
      "share",
    ),
    svgCurve(
      "RLVR: verifier reward",
      await curve(join(out, "rlvr", "metrics.jsonl"), "critic/score/mean"),
      "accuracy",
    ),
  ].join("\n");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>grlo-kit reproduce (${
    esc(rep.profile)
  })</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}pre{background:#f7f7f7;padding:8px}</style></head><body>
<h1>GRLO reproduce — ${esc(rep.profile)}</h1>
<p>Generated ${
    esc(rep.created)
  }. Values in %, 95% CIs in brackets (accuracy: normal approximation over tasks; chat: bootstrap of the RM win rate against reference answers; several seeds: t-interval over seeds). Domain averages: mean of suites within a domain, then of domains, as the paper averages.</p>
<h2>Transfer table</h2>${transferTable(rep)}
<h2>What changed</h2><pre>${esc(formatReport(rep).join("\n"))}</pre>
<h2>Cost</h2>${costTable(rep)}<p>${esc(rep.ratios.note)}: data ${
    rep.ratios.data?.toFixed(2) ?? "–"
  }x, compute ${rep.ratios.compute?.toFixed(2) ?? "–"}x.</p>
<h2>Base models</h2><p>Pre-training final held-out metrics: <code>${
    esc(JSON.stringify(rep.pretrain))
  }</code>; reward model: <code>${esc(JSON.stringify(rep.rewardModel))}</code>.</p>
<div>${curves}</div>
</body></html>`;
  await writeTextFileAtomic(join(out, "report.html"), html);
}
