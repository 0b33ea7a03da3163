import assert from "node:assert/strict";
import { initParameters } from "../../lib/model/tiny.ts";
import { OrtStepModel, type StepModel } from "../../lib/rollout/decode_model.ts";
import { RolloutEngine } from "../../lib/rollout/engine.ts";
import { LocalGenerator } from "../../lib/rollout/local.ts";
import { GenerationError } from "../../lib/rollout/types.ts";
import { tinyModel } from "./_fixtures.ts";

async function generator(options: { maxBatch?: number } = {}) {
  const m = await tinyModel();
  const g = await LocalGenerator.create(m.config, m.params, m.tokenizer, {
    session: { threads: 1 },
    ...options,
  });
  return { m, g };
}

Deno.test("calls made while a batch runs join it and share its decode steps", async () => {
  const m = await tinyModel();
  const req = { maxTokens: 10, temperature: 0, ignoreEos: true };
  let late: Promise<unknown> | null = null;
  const g: LocalGenerator = await LocalGenerator.create(m.config, m.params, m.tokenizer, {
    session: { threads: 1 },
    // After the first call's 3rd decode step (4 tokens), a second call arrives.
    progress: (p) => {
      if (p.tokens === 4 && late === null) late = g.generate([{ ...req, prompt: "second call" }]);
    },
  });
  try {
    const [ra] = await g.generate([{ ...req, prompt: "first" }]);
    const [rb] = (await late!) as Awaited<ReturnType<typeof g.generate>>;
    assert.equal(ra.samples[0].responseIds.length, 10);
    assert.equal(rb.samples[0].responseIds.length, 10);
    // 3 steps alone, then 9 with the late call on board (6 of them shared): 12, not 9 + 9.
    assert.equal(g.stats().decodeSteps, 12);
    assert.equal(g.stats().prefillCalls, 2);
    // Calls made in the same tick are admitted together: one prefill, 9 steps.
    const before = g.stats();
    await Promise.all([
      g.generate([{ ...req, prompt: "x" }]),
      g.generate([{ ...req, prompt: "yz" }]),
    ]);
    assert.equal(g.stats().decodeSteps - before.decodeSteps, 9);
    assert.equal(g.stats().prefillCalls - before.prefillCalls, 1);
  } finally {
    await g.close();
  }
});

Deno.test("a prompt with n samples is prefilled once", async () => {
  const { g } = await generator();
  try {
    const [r] = await g.generate([{
      prompt: "shared prefix",
      n: 6,
      maxTokens: 4,
      seed: 1,
      ignoreEos: true,
    }]);
    assert.equal(r.samples.length, 6);
    assert.equal(g.stats().prefillCalls, 1);
    assert.equal(g.stats().prefillTokens, "shared prefix".length);
  } finally {
    await g.close();
  }
});

Deno.test("a stop string cuts the text before it; the ids keep the token that completed it", async () => {
  const { m, g } = await generator();
  try {
    const base = { prompt: "Tell me", maxTokens: 24, temperature: 1, seed: 21, ignoreEos: true };
    const [free] = await g.generate([base]);
    const full = free.samples[0];
    // A stop string taken from the middle of the unstopped text.
    const decoded = full.responseIds.map((_, i) =>
      m.tokenizer.decode(full.responseIds.slice(0, i + 1), { skipSpecialTokens: true })
    );
    // Two whole characters (no U+FFFD of a byte sequence still incomplete).
    const stopAt = decoded.findIndex((t) => t.length >= 6 && !t.slice(-2).includes("\uFFFD"));
    const stop = decoded[stopAt].slice(-2);
    const [cut] = await g.generate([{ ...base, stop: ["\u0000never", stop] }]);
    const s = cut.samples[0];
    const first = decoded.findIndex((t) => t.includes(stop));
    assert.equal(s.finishReason, "stop");
    assert.equal(s.stopReason, stop);
    assert.deepEqual(s.responseIds, full.responseIds.slice(0, first + 1));
    assert.equal(s.text, decoded[first].slice(0, decoded[first].indexOf(stop)));
    assert.equal(s.logprobs.length, s.responseIds.length);
  } finally {
    await g.close();
  }
});

Deno.test("a stop token ends the sample, stays in the ids and leaves the text", async () => {
  const { m, g } = await generator();
  try {
    const base = { prompt: "abc", maxTokens: 20, temperature: 0, ignoreEos: true };
    const [free] = await g.generate([base]);
    const ids = free.samples[0].responseIds;
    const stopId = ids[3];
    const first = ids.indexOf(stopId);
    const [stopped] = await g.generate([{ ...base, stopTokenIds: [stopId] }]);
    const s = stopped.samples[0];
    assert.deepEqual(s.responseIds, ids.slice(0, first + 1));
    assert.equal(s.finishReason, "stop");
    assert.equal(s.stopReason, stopId);
    assert.equal(s.text, m.tokenizer.decode(ids.slice(0, first), { skipSpecialTokens: true }));
    // The tokenizer's eos ends samples unless ignoreEos: eos is <|im_end|> (258) here.
    const eos = await g.generate([{
      prompt: "x",
      maxTokens: 60,
      n: 40,
      seed: 2,
      temperature: 1.5,
    }]);
    const endings = eos[0].samples.filter((x) => x.finishReason === "stop");
    assert.ok(endings.length > 0, "some sample drew the eos token");
    for (const e of endings) {
      assert.equal(e.stopReason, 258);
      assert.equal(e.responseIds.at(-1), 258);
      assert.ok(!e.responseIds.slice(0, -1).includes(258));
    }
  } finally {
    await g.close();
  }
});

Deno.test("a batch narrower than the work gives the same samples, and length ends at maxTokens", async () => {
  const reqs = Array.from({ length: 7 }, (_, i) => ({
    prompt: `prompt number ${i}`.slice(0, 4 + i * 2),
    maxTokens: 3 + i,
    temperature: 0.8,
    seed: i,
    n: 2,
  }));
  const wide = await generator();
  const narrow = await generator({ maxBatch: 2 });
  try {
    const a = await wide.g.generate(reqs);
    const b = await narrow.g.generate(reqs);
    assert.deepEqual(
      b.map((r) => r.samples.map((s) => s.responseIds)),
      a.map((r) => r.samples.map((s) => s.responseIds)),
    );
    a.forEach((r, i) =>
      r.samples.forEach((s) => {
        if (s.finishReason === "length") assert.equal(s.responseIds.length, reqs[i].maxTokens);
        else assert.ok(s.responseIds.length <= reqs[i].maxTokens);
      })
    );
  } finally {
    await wide.g.close();
    await narrow.g.close();
  }
});

Deno.test("an aborted call is dropped from the batch while the others finish", async () => {
  const m = await tinyModel();
  const controller = new AbortController();
  const g = await LocalGenerator.create(m.config, m.params, m.tokenizer, {
    session: { threads: 1 },
    progress: (p) => {
      if (p.tokens >= 20) controller.abort(new Error("stop it"));
    },
  });
  try {
    const long = g.generate([{ prompt: "long", maxTokens: 100, ignoreEos: true, n: 3 }], {
      signal: controller.signal,
    });
    const other = g.generate([{ prompt: "other", maxTokens: 30, temperature: 0, ignoreEos: true }]);
    await assert.rejects(long, /stop it/);
    const [r] = await other;
    assert.equal(r.samples[0].responseIds.length, 30);
    // 4 rows until the abort (~20 tokens), then only the other call's row.
    assert.ok(g.stats().generatedTokens < 60, `${g.stats().generatedTokens} tokens`);
  } finally {
    await g.close();
  }
});

Deno.test("generate() refuses bad requests with GenerationError naming the field", async () => {
  const { g } = await generator();
  try {
    const cases: [unknown, string, RegExp][] = [
      [{ prompt: "a", temperature: -1 }, "invalid_request", /request 0\.temperature/],
      [{ prompt: "a", topP: 0 }, "invalid_request", /topP/],
      [{ prompt: "a", bogus: 1 }, "invalid_request", /bogus/],
      [{ maxTokens: 3 }, "invalid_request", /exactly one of prompt, promptIds, messages/],
      [{ promptIds: [] }, "invalid_request", /no tokens/],
      [{ promptIds: [1, 999] }, "invalid_request", /999 is outside the vocabulary/],
      [{ prompt: "b".repeat(128) }, "context_length_exceeded", /maximum context length is 128/],
      [
        { prompt: "b".repeat(100), maxTokens: 29 },
        "context_length_exceeded",
        /100 tokens and 29 new/,
      ],
    ];
    for (const [req, code, message] of cases) {
      // deno-lint-ignore no-explicit-any
      await assert.rejects(g.generate([req as any]), (e: unknown) => {
        assert.ok(e instanceof GenerationError, String(e));
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
    }
    // Without maxTokens a sample may use the rest of the context.
    const [r] = await g.generate([{ prompt: "c".repeat(120), temperature: 0, ignoreEos: true }]);
    assert.equal(r.samples[0].responseIds.length, 8);
  } finally {
    await g.close();
  }
});

Deno.test("setWeights() swaps the policy: new weights, new samples", async () => {
  const { m, g } = await generator();
  try {
    const req = { prompt: "same prompt", maxTokens: 8, temperature: 0, ignoreEos: true };
    const [before] = await g.generate([req]);
    await g.setWeights(initParameters(m.config, { seed: 99, std: 0.3 }));
    const [after] = await g.generate([req]);
    assert.notDeepEqual(after.samples[0].responseIds, before.samples[0].responseIds);
    await g.setWeights(m.params);
    const [again] = await g.generate([req]);
    assert.deepEqual(again.samples[0].responseIds, before.samples[0].responseIds);
  } finally {
    await g.close();
  }
});

Deno.test("rebuildModel() frees the old model before building the new one; work sent meanwhile waits for it", async () => {
  const m = await tinyModel();
  const events: string[] = [];
  const logged = (name: string, inner: StepModel): StepModel => ({
    config: inner.config,
    run: (input) => {
      events.push(`${name}.run`);
      return inner.run(input);
    },
    release: () => {
      events.push(`${name}.release`);
      return inner.release();
    },
  });
  const session = { threads: 1 };
  const engine = new RolloutEngine(
    logged("old", await OrtStepModel.create(m.config, m.params, session)),
    m.tokenizer,
  );
  const req = { prompt: "same prompt", maxTokens: 4, temperature: 0, ignoreEos: true };
  const [before] = await engine.generate([req]);
  events.length = 0;
  let during: Promise<unknown> | null = null;
  await engine.rebuildModel(async () => {
    events.push("build");
    during = engine.generate([req]); // submitted while no model is loaded
    await new Promise((r) => setTimeout(r, 20));
    return logged("new", await OrtStepModel.create(m.config, m.params, session));
  });
  const [after] = (await during!) as typeof before[];
  assert.deepEqual(events.slice(0, 3), ["old.release", "build", "new.run"]);
  assert.ok(!events.includes("old.run"), "nothing ran on the freed model");
  assert.deepEqual(after.samples[0].responseIds, before.samples[0].responseIds);

  // A build that fails: its error here, and every later call names it.
  await assert.rejects(
    engine.rebuildModel(() => Promise.reject(new Error("out of memory"))),
    /out of memory/,
  );
  await assert.rejects(engine.generate([req]), /could not be rebuilt: out of memory/);
  await engine.rebuildModel(() => OrtStepModel.create(m.config, m.params, session));
  const [recovered] = await engine.generate([req]);
  assert.deepEqual(recovered.samples[0].responseIds, before.samples[0].responseIds);
  await engine.model.release();
});
