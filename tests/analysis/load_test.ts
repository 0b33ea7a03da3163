import assert from "node:assert/strict";
import { loadRuns, RunFormatError } from "../../lib/analysis/mod.ts";

const FIXTURES = new URL("../fixtures/runs/", import.meta.url).pathname;
type Row = Record<string, unknown>;

Deno.test("loadRuns() reads a reproduce output: stage runs and every stage's evaluation", async () => {
  const set = await loadRuns([`${FIXTURES}reproduce`]);
  assert.deepEqual(set.runs.array("run"), [
    "reproduce/grlo",
    "reproduce/grlo-rlvr",
    "reproduce/rlvr",
  ]);
  assert.deepEqual([...new Set(set.scores.array("stage"))], ["base", "grlo", "grlo-rlvr", "rlvr"]);
  assert.equal(set.scores.numRows(), 16);
  assert.equal(set.questions.numRows(), 64); // 4 stages x 4 suites x 4 questions
  const rlvr = (set.metrics.objects() as Row[]).filter((r) => r.run === "reproduce/rlvr");
  assert.equal(new Set(rlvr.map((r) => r.step)).size, 11); // verl {step, data} lines, 0..10
  assert.equal(set.samples.numRows(), 5 * 8 + 10 * 16 + 5 * 16);
  assert.deepEqual(set.warnings, []);
});

Deno.test("loadRuns() groups seeds of one method and reads the kit's flat metric lines", async () => {
  const set = await loadRuns([`${FIXTURES}grlo-s1`, `${FIXTURES}grlo-s2`]);
  assert.deepEqual(set.runs.array("method"), ["grlo", "grlo"]);
  assert.deepEqual(set.runs.array("seed"), [1, 3]);
  const score = (set.metrics.objects() as Row[]).find((r) =>
    r.run === "grlo-s2" && r.step === 2 && r.metric === "critic/score/mean"
  ) as Row;
  assert.equal(score.value, 2.5); // 2/4 + 2
});

Deno.test("loadRuns() reads a training run written by the trainer", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ data: { train_batch_size: 2 } }));
  await Deno.writeTextFile(
    `${dir}/metrics.jsonl`,
    '{"training/global_step":1,"critic/score/mean":0.5}\n{"training/global_step":2,"critic/sc',
  );
  const set = await loadRuns([dir]);
  assert.equal(set.metrics.numRows(), 1);
  assert.match(set.warnings[0], /metrics\.jsonl:2: torn last line dropped/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadRuns() names the missing or malformed file, its line and the problem", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(() => loadRuns([`${dir}/nope`]), /nope: no such run directory/);
  await assert.rejects(() => loadRuns([dir]), /not a run directory: expected metrics\.jsonl/);
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"training/global_step":1}\n');
  await assert.rejects(() => loadRuns([dir]), /config\.json: missing/);
  await Deno.writeTextFile(`${dir}/config.json`, "{}");
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"training/global_step":1}\nnot json\n{}\n');
  const e = await loadRuns([dir]).catch((e) => e);
  assert.ok(e instanceof RunFormatError);
  assert.match(e.message, /metrics\.jsonl:2: not JSON/);
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"training/global_step":1}\n{"x":1}\n');
  await assert.rejects(() => loadRuns([dir]), /metrics\.jsonl:2: no integer training\/global_step/);
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"training/global_step":1}\n');
  await Deno.mkdir(`${dir}/samples`);
  await Deno.writeTextFile(`${dir}/samples/step-1.jsonl`, '{"response_length":3}\n');
  await assert.rejects(
    () => loadRuns([dir]),
    /step-1\.jsonl:1: a sample needs numeric response_length/,
  );
  await Deno.remove(`${dir}/samples`, { recursive: true });
  await Deno.mkdir(`${dir}/eval/grlo`, { recursive: true });
  await Deno.writeTextFile(`${dir}/eval/grlo/summary.json`, '{"suites": [{"suite": "x"}]}');
  await assert.rejects(
    () => loadRuns([dir]),
    /summary\.json: suites\[0\] needs a suite name and a domain/,
  );
  await Deno.remove(dir, { recursive: true });
});
