import assert from "node:assert/strict";
import { RewardError, scoreChecked } from "../../lib/reward/errors.ts";
import type { Reward, RewardInput, RewardOutput } from "../../lib/reward/types.ts";
import { record } from "./_fixtures.ts";

/** A reward whose outputs come from a per-record function (which may throw). */
function fake(fn: (r: RewardInput) => RewardOutput): Reward & { calls: number } {
  return {
    name: "fake",
    calls: 0,
    score(batch) {
      this.calls++;
      return Promise.resolve(batch.map(fn));
    },
    close: () => Promise.resolve(),
  };
}

const batch = [
  record({ response: "fine" }),
  record({ response: "x".repeat(300) }),
  record({ response: "also fine" }),
];

Deno.test("scoreChecked() reports a NaN score with the sample index and the head of its response", async () => {
  const r = fake((x) => ({ score: x.response.startsWith("x") ? NaN : 1, terms: {} }));
  const e = await scoreChecked(r, batch).then(() => null, (x) => x);
  assert.ok(e instanceof RewardError);
  assert.equal(e.index, 1);
  assert.equal(e.problems[0].responseHead, "x".repeat(200));
  assert.equal(e.problems[0].problem, "score is NaN");
  assert.match(e.message, /^reward fake: sample 1 \(response "x{200}"\): score is NaN$/);
});

Deno.test("scoreChecked() reports an infinite term by name", async () => {
  const r = fake((x) => ({ score: 0, terms: { rm: x.response === "also fine" ? -Infinity : 1 } }));
  await assert.rejects(
    () => scoreChecked(r, batch),
    /sample 2 \(response "also fine"\): term "rm" is -Infinity/,
  );
});

Deno.test("scoreChecked() finds the sample a throwing scorer fails on by rescoring one at a time", async () => {
  const r = fake((x) => {
    if (x.response === "also fine") throw new Error("tokenizer exploded");
    return { score: 1, terms: { rm: 1 } };
  });
  await assert.rejects(
    () => scoreChecked(r, batch),
    /sample 2 \(response "also fine"\): threw: tokenizer exploded/,
  );
  assert.equal(r.calls, 1 + 3); // the batch, then each sample
});

Deno.test("scoreChecked() with onError zero scores bad samples 0, marks them, and counts them", async () => {
  const r = fake((x) => {
    if (x.response === "fine") throw new Error("boom");
    return { score: x.response.startsWith("x") ? Infinity : 0.5, terms: { rm: NaN, len: 3 } };
  });
  const { outputs, problems } = await scoreChecked(r, batch, { onError: "zero" });
  assert.deepEqual(problems.map((p) => [p.index, p.problem]), [
    [0, "threw: boom"],
    [1, "score is Infinity"],
    [2, 'term "rm" is NaN'],
  ]);
  assert.deepEqual(outputs[0], { score: 0, terms: { reward_error: 1 } });
  assert.deepEqual(outputs[1], { score: 0, terms: { rm: 0, len: 3, reward_error: 1 } });
  assert.deepEqual(outputs[2], { score: 0, terms: { rm: 0, len: 3, reward_error: 1 } });
});

Deno.test("scoreChecked() passes good outputs through unchanged and reports no problems", async () => {
  const r = fake(() => ({ score: 0.25, terms: { rm: 0.25 } }));
  const { outputs, problems } = await scoreChecked(r, batch);
  assert.deepEqual(outputs, batch.map(() => ({ score: 0.25, terms: { rm: 0.25 } })));
  assert.deepEqual(problems, []);
});

Deno.test("scoreChecked() recovers per sample from a batch call that returns too few outputs", async () => {
  const r: Reward = {
    name: "short",
    score: () => Promise.resolve([{ score: 1, terms: {} }]),
    close: () => Promise.resolve(),
  };
  const { outputs, problems } = await scoreChecked(r, batch);
  assert.deepEqual(outputs, batch.map(() => ({ score: 1, terms: {} })));
  assert.deepEqual(problems, []);
});

Deno.test("scoreChecked() reports a one-sample call that returns no output", async () => {
  const r: Reward = {
    name: "none",
    score: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  };
  await assert.rejects(
    () => scoreChecked(r, [record({ response: "a" })]),
    /sample 0 \(response "a"\): threw: returned 0 outputs for 1 samples/,
  );
});
