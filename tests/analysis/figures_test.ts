import assert from "node:assert/strict";
import {
  benchmarkBars,
  costTable,
  deltaTable,
  domainAverages,
  efficiencyFrontier,
  figuresFor,
  figureTitle,
  frontierTable,
  lengthDistribution,
  loadRuns,
  methodColor,
  type PlotlyFigure,
  rewardVsLength,
  scoreTable,
  trainingCurve,
  trainingDashboard,
  transferHeatmap,
  transferMatrix,
} from "../../lib/analysis/mod.ts";

const FIXTURES = new URL("../fixtures/runs/", import.meta.url).pathname;
type Trace = Record<string, unknown> & { x?: unknown[]; y?: number[] };
const axisTitle = (
  fig: PlotlyFigure,
  axis: string,
) => ((fig.layout[axis] as { title?: { text?: string } })?.title?.text ?? "");

function assertComplete(fig: PlotlyFigure): void {
  assert.ok(fig.data.length > 0, "traces");
  assert.ok(figureTitle(fig).length > 0, "title");
  assert.ok(axisTitle(fig, "xaxis").length > 0 || axisTitle(fig, "xaxis7").length > 0, "x title");
  assert.ok(axisTitle(fig, "yaxis").length > 0, "y title");
  JSON.parse(JSON.stringify(fig)); // plain JSON
}

Deno.test("trainingCurve() overlays seeds as mean ± 1 sd in the method's colour", async () => {
  const set = await loadRuns([`${FIXTURES}grlo-s1`, `${FIXTURES}grlo-s2`]);
  const fig = trainingCurve(set.metrics, { metric: "critic/score/mean", smoothing: 0 });
  assertComplete(fig);
  const [upper, lower, m] = fig.data as Trace[];
  // step 1: s1 = 0.25, s2 = 2.25 -> mean 1.25, sd sqrt(2)
  assert.equal(m.y![0], 1.25);
  assert.ok(Math.abs(upper.y![0] - (1.25 + Math.SQRT2)) < 1e-12);
  assert.ok(Math.abs(lower.y![0] - (1.25 - Math.SQRT2)) < 1e-12);
  assert.equal(lower.fill, "tonexty");
  assert.equal((m.line as { color: string }).color, methodColor("grlo"));
  assert.match(String(m.name), /GRLO \(mean of 2 runs ± 1 sd\)/);
  assert.equal(axisTitle(fig, "xaxis"), "training step");
  assert.throws(() => trainingCurve(set.metrics, { metric: "nope" }), /no run logged nope/);
});

Deno.test("trainingDashboard() has a titled panel per logged metric, reward terms included", async () => {
  const set = await loadRuns([`${FIXTURES}reproduce`]);
  const fig = trainingDashboard(set.metrics);
  const panels = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  assert.deepEqual(panels.slice(0, 3), [
    "<b>Reward</b>",
    "<b>Reward term: no_stop</b>",
    "<b>Reward term: rm</b>",
  ]);
  assert.ok(
    panels.includes("<b>Explained variance</b>") &&
      panels.includes("<b>Log-prob drift (rollout vs trainer)</b>"),
  );
  assert.equal(panels.length, 11);
  for (let i = 1; i <= panels.length; i++) {
    assert.ok(axisTitle(fig, `yaxis${i === 1 ? "" : i}`).length > 0, `panel ${i} y title`);
  }
  assert.ok(figureTitle(fig).length > 0 && fig.data.length > 0);
});

Deno.test("evaluation figures have traces, titles, axis titles and the paper's points", async () => {
  const set = await loadRuns([`${FIXTURES}reproduce`]);
  const bars = benchmarkBars(scoreTable(set.scores, { questions: set.questions }));
  assertComplete(bars);
  assert.deepEqual(bars.data.map((d) => d.name), ["base", "GRLO", "RLVR", "GRLO→RLVR"]);
  const grlo = bars.data[1] as Trace & { error_y: { array: number[] } };
  assert.deepEqual(grlo.y, [68.75, 50, 25, 50]); // arena-hard, gsm8k, math500, humaneval
  assert.ok(grlo.error_y.array.every((v) => v >= 0));
  const cost = costTable(set.metrics, { runs: set.runs, samples: set.samples });
  const frontier = frontierTable(domainAverages(set.scores), { cost });
  for (const x of ["compute", "prompts"] as const) {
    const fig = efficiencyFrontier(frontier, { x });
    assertComplete(fig);
    assert.equal((fig.layout.xaxis as { type: string }).type, "log");
    const paper = fig.data.find((d) => /^paper/.test(String(d.name))) as Trace;
    assert.deepEqual([paper.x![0], paper.y![0]], [x === "compute" ? 22.7 : 5000, 63.1]);
    const lines = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
    assert.ok(lines.some((t) => /paper: Qwen3-4B-Base 24\.1%/.test(t)));
    assert.ok(lines.some((t) => /base \(this kit\): 25\.0%/.test(t)));
  }
  const heat = transferHeatmap(
    transferMatrix(deltaTable(set.scores, { questions: set.questions }), { runs: set.runs }),
  );
  assertComplete(heat);
  const z = (heat.data[0] as { z: number[][] }).z;
  assert.equal(z[0][1], 25); // GRLO -> math, percentage points
});

Deno.test("sample figures compare two steps and probe reward against length", async () => {
  const set = await loadRuns([`${FIXTURES}reproduce/grlo`]);
  const lengths = lengthDistribution(set.samples);
  assertComplete(lengths);
  assert.deepEqual(lengths.data.map((d) => d.name), [
    "GRLO: step 1 (before), mean 4.5",
    "GRLO: step 5 (after), mean 16.9",
  ]);
  const scatter = rewardVsLength(set.samples);
  assertComplete(scatter);
  assert.match(String(scatter.data[0].name), /r = 1\.00/); // score = length / 20
  assert.equal((scatter.data[0] as Trace).x!.length, 40);
});

Deno.test("figuresFor() lists only the figures the runs support", async () => {
  const train = await loadRuns([`${FIXTURES}grlo-s1`]);
  assert.deepEqual(figuresFor(train).map((f) => f.name), ["reward", "training"]);
  const all = await loadRuns([`${FIXTURES}reproduce`]);
  assert.deepEqual(figuresFor(all).map((f) => f.name), [
    "reward",
    "training",
    "lengths",
    "reward_vs_length",
    "benchmarks",
    "transfer",
    "frontier_compute",
    "frontier_prompts",
  ]);
});
