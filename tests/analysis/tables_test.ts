// Expected values are worked out by hand from tests/fixtures/runs/make.ts:
// per question (4 each): base chat sigmoid(-ln3, -ln3, 0, 0) = .25 .25 .5 .5 -> 0.375,
// gsm8k 1000 -> .25, math500 0000 -> 0, humaneval 1000 -> .25;
// grlo chat .75 .75 .75 .5 -> .6875, gsm8k 1100 -> .5, math500 1000 -> .25, humaneval 1100 -> .5.
import assert from "node:assert/strict";
import {
  costRatios,
  costTable,
  deltaTable,
  domainAverages,
  frontierTable,
  loadRuns,
  scoreTable,
  transferMatrix,
} from "../../lib/analysis/mod.ts";

const FIXTURE = new URL("../fixtures/runs/reproduce", import.meta.url).pathname;
const close = (a: unknown, b: number) =>
  assert.ok(Math.abs((a as number) - b) < 1e-12, `${a} != ${b}`);
type Row = Record<string, unknown>;
const find = (rows: Row[], where: Row) =>
  rows.find((r) => Object.entries(where).every(([k, v]) => r[k] === v)) ??
    assert.fail(JSON.stringify(where));

Deno.test("domainAverages() averages suites per domain, then the domains", async () => {
  const set = await loadRuns([FIXTURE]);
  const rows = domainAverages(set.scores).objects() as Row[];
  close(find(rows, { stage: "base", domain: "math" }).value, 0.125); // (0.25 + 0) / 2
  close(find(rows, { stage: "base", domain: "all" }).value, 0.25); // (0.375 + 0.125 + 0.25) / 3
  close(find(rows, { stage: "grlo", domain: "all" }).value, (0.6875 + 0.375 + 0.5) / 3);
  close(find(rows, { stage: "grlo-rlvr", domain: "all" }).value, 2 / 3); // (.625 + .875 + .5) / 3
});

Deno.test("deltaTable() gives deltas against the base with paired bootstrap CIs", async () => {
  const set = await loadRuns([FIXTURE]);
  const rows = deltaTable(set.scores, { questions: set.questions, seed: 0 }).objects() as Row[];
  const gsm = find(rows, { stage: "grlo", suite: "gsm8k" });
  close(gsm.delta, 0.25);
  assert.equal(gsm.pairs, 4);
  // paired differences 0,1,0,0: a resampled mean is k/4, so the interval is on that grid
  assert.ok((gsm.lower as number) <= 0.25 && 0.25 <= (gsm.upper as number));
  assert.ok([0, 0.25, 0.5, 0.75, 1].includes(gsm.upper as number));
  const math = find(rows, { stage: "grlo", suite: "math (mean)" });
  close(math.delta, 0.25); // (0.25 + 0.25) / 2
  const all = find(rows, { stage: "grlo", suite: "all domains (mean)" });
  close(all.delta, (0.6875 + 0.375 + 0.5) / 3 - 0.25);
  // pinned with seed 0 (1000 rounds): regenerate only on purpose
  assert.deepEqual([all.lower, all.upper].map((v) => Math.round((v as number) * 1e6) / 1e6), [
    0.083333,
    0.479167,
  ]);
  const again = deltaTable(set.scores, { questions: set.questions, seed: 0 }).objects() as Row[];
  assert.deepEqual(again, rows);
  const other = deltaTable(set.scores, { questions: set.questions, seed: 5 }).objects() as Row[];
  assert.notDeepEqual(other.map((r) => r.lower), rows.map((r) => r.lower));
  // without per-question outcomes there is a delta but no CI
  const bare = deltaTable(set.scores).objects() as Row[];
  assert.equal(find(bare, { stage: "grlo", suite: "gsm8k" }).lower, null);
});

Deno.test("scoreTable() puts a bootstrap CI around each suite's score", async () => {
  const set = await loadRuns([FIXTURE]);
  const rows = scoreTable(set.scores, { questions: set.questions }).objects() as Row[];
  const m = find(rows, { stage: "base", suite: "math500" }); // all wrong: the CI is [0, 0]
  assert.deepEqual([m.value, m.lower, m.upper], [0, 0, 0]);
  const chat = find(rows, { stage: "grlo", suite: "arena-hard" });
  assert.ok((chat.lower as number) >= 0.5 && (chat.upper as number) <= 0.75);
});

Deno.test("transferMatrix() names each stage's training environment", async () => {
  const set = await loadRuns([FIXTURE]);
  const m = transferMatrix(deltaTable(set.scores, { questions: set.questions }), { runs: set.runs })
    .objects() as Row[];
  assert.equal(find(m, { method: "grlo", domain: "chat" }).environment, "toy-chat");
  close(find(m, { method: "rlvr", domain: "math" }).delta, 0.5); // (.625) - (.125)
  assert.equal(m.length, 3 * 4);
});

Deno.test("costTable() counts prompts, tokens and hours; costRatios() divides them", async () => {
  const set = await loadRuns([FIXTURE]);
  const cost = costTable(set.metrics, { runs: set.runs, samples: set.samples });
  const rows = cost.objects() as Row[];
  const g = find(rows, { method: "grlo" });
  // 5 steps x batch 4 (8 distinct prompts cycled), n = 2, length 10, 200 tokens/step, 36 s/step
  assert.deepEqual(
    [g.steps, g.prompts, g.prompt_visits, g.samples, g.tokens_generated, g.tokens_trained],
    [5, 8, 20, 40, 400, 1000],
  );
  close(g.hours, 0.05);
  assert.equal(g.cpu_hours, g.hours);
  assert.equal(g.gpu_hours, null);
  const r = find(rows, { method: "rlvr" }); // verl {step, data} lines: 10 steps x 72 s
  close(r.hours, 0.2);
  assert.equal(r.prompts, 40);
  const ratio = costRatios(cost, { method: "grlo", baseline: "rlvr" }).objects()[0] as Row;
  assert.deepEqual([ratio.data_ratio, ratio.tokens_ratio, ratio.compute_ratio], [5, 4, 4]);
  const gpu = costTable(set.metrics, { runs: set.runs, device: "gpu" }).objects() as Row[];
  close(find(gpu, { method: "grlo" }).gpu_hours, 0.05);
  assert.equal(find(gpu, { method: "grlo" }).prompts_counted, "visits (upper bound)");
});

Deno.test("frontierTable() adds the cost of the stage GRLO->RLVR continues", async () => {
  const set = await loadRuns([FIXTURE]);
  const cost = costTable(set.metrics, { runs: set.runs, samples: set.samples });
  const rows = frontierTable(domainAverages(set.scores), { cost }).objects() as Row[];
  const gr = find(rows, { method: "grlo-rlvr" });
  close(gr.device_hours, 0.1); // 0.05 + 0.05
  assert.equal(gr.prompts, 48); // 40 + 8
  close(gr.average, 200 / 3);
  assert.deepEqual(rows.map((r) => r.method), ["base", "grlo", "rlvr", "grlo-rlvr"]);
  assert.equal(find(rows, { method: "base" }).device_hours, 0);
});
