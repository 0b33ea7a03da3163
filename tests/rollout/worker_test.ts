import assert from "node:assert/strict";
import { defineModelConfig } from "../../lib/model/config.ts";
import { initParameters } from "../../lib/model/tiny.ts";
import { LocalGenerator } from "../../lib/rollout/local.ts";
import { GenerationError, type GenerationRequest } from "../../lib/rollout/types.ts";
import { WorkerGenerator } from "../../lib/rollout/worker_generator.ts";
import { BYTE_LEVEL_VOCAB_SIZE } from "../../lib/tokenizer/mod.ts";
import { assertSameResults, tinyModel } from "./_fixtures.ts";

const REQUESTS: GenerationRequest[] = [
  { prompt: "Hello there", maxTokens: 12, temperature: 0 },
  {
    messages: [{ role: "user", content: "Say hi" }],
    maxTokens: 10,
    temperature: 0.8,
    seed: 3,
    n: 2,
  },
  { promptIds: [72, 105], maxTokens: 8, temperature: 1, topP: 0.9, seed: 9, stop: ["e"] },
];

Deno.test("WorkerGenerator returns the same samples as LocalGenerator", async () => {
  const m = await tinyModel();
  const local = await LocalGenerator.create(m.config, m.params, m.tokenizer, {
    session: { threads: 1 },
  });
  const want = await local.generate(REQUESTS);
  await local.close();
  const fromDir = await WorkerGenerator.load(m.dir, { session: { threads: 1 } });
  const fromParams = await WorkerGenerator.create(m.config, m.params, m.dir, {
    session: { threads: 1 },
  });
  try {
    assert.equal(fromDir.model, m.dir.split("/").at(-1));
    assert.equal(fromDir.maxModelLen, 128);
    assertSameResults(await fromDir.generate(REQUESTS), want);
    // Concurrent calls share the worker's batch and still get their own answers.
    const [a, b] = await Promise.all([
      fromParams.generate(REQUESTS.slice(0, 1)),
      fromParams.generate(REQUESTS.slice(1)),
    ]);
    assertSameResults([...a, ...b], want);
    const stats = await fromParams.stats();
    assert.ok(stats.decodeSteps > 0 && stats.generatedTokens >= 12);
  } finally {
    await fromDir.close();
    await fromParams.close();
  }
});

Deno.test("WorkerGenerator reports request errors with their code", async () => {
  const m = await tinyModel();
  const g = await WorkerGenerator.load(m.dir, { session: { threads: 1 } });
  try {
    await assert.rejects(
      g.generate([{ prompt: "x".repeat(100), maxTokens: 50 }]),
      (e: unknown) =>
        e instanceof GenerationError && e.code === "context_length_exceeded" &&
        /128 tokens/.test(e.message),
    );
    await assert.rejects(
      g.generate([{ prompt: "a", promptIds: [1] }]),
      (e: unknown) => e instanceof GenerationError && e.code === "invalid_request",
    );
    // The worker is still usable afterwards.
    const [r] = await g.generate([{ prompt: "ok", maxTokens: 2, temperature: 0, ignoreEos: true }]);
    assert.equal(r.samples[0].responseIds.length, 2);
  } finally {
    await g.close();
  }
});

Deno.test("the main thread keeps running timers while the worker is inside its model calls", async () => {
  const config = defineModelConfig({
    arch: "qwen3",
    hiddenSize: 384,
    numHiddenLayers: 4,
    numAttentionHeads: 6,
    numKeyValueHeads: 2,
    intermediateSize: 1536,
    vocabSize: BYTE_LEVEL_VOCAB_SIZE,
    maxPositionEmbeddings: 256,
  });
  const m = await tinyModel();
  const g = await WorkerGenerator.create(config, initParameters(config, { seed: 1 }), m.dir, {
    session: { threads: 1 },
  });
  const requests = (rows: number) =>
    Array.from({ length: rows }, (_, i) => ({
      prompt: `${i} `.repeat(60),
      maxTokens: 2,
      temperature: 0,
    }));
  try {
    await g.generate(requests(1)); // warm-up
    // Were session.run() on the main thread, a timer could fire at most once per model call
    // (between calls); with the worker it fires every 5 ms all through them. The batch grows
    // until one generate() spends 200 ms in model calls, so that holds on a fast machine too.
    let rows = 8, ticks = 0, calls = 0;
    for (let modelMs = 0; modelMs < 200 && rows <= 512; rows *= 2) {
      const before = await g.stats();
      ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      await g.generate(requests(rows));
      clearInterval(timer);
      const after = await g.stats();
      calls = after.prefillCalls - before.prefillCalls + after.decodeSteps - before.decodeSteps;
      modelMs = after.prefillMs - before.prefillMs + after.decodeModelMs - before.decodeModelMs;
    }
    assert.ok(ticks > 2 * calls + 5, `${ticks} timer ticks over ${calls} model calls`);
  } finally {
    await g.close();
  }
});
