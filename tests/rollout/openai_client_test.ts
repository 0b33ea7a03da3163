import assert from "node:assert/strict";
import { LocalGenerator } from "../../lib/rollout/local.ts";
import { OpenAIClientGenerator } from "../../lib/rollout/openai_client.ts";
import {
  GenerationError,
  type GenerationRequest,
  type GenerationResult,
} from "../../lib/rollout/types.ts";
import { assertSameResults, tinyModel } from "./_fixtures.ts";
import { withServer } from "./_server.ts";

const REQUESTS: GenerationRequest[] = [
  { prompt: "Hello", maxTokens: 10, temperature: 0 },
  { promptIds: [87, 104, 121], maxTokens: 12, temperature: 0.9, seed: 5, n: 3, topK: 40 },
  {
    messages: [{ role: "user", content: "Hi" }],
    maxTokens: 8,
    temperature: 1,
    seed: 2,
    topLogprobs: 2,
  },
  { prompt: "stop here", maxTokens: 30, temperature: 1, seed: 3, stop: ["a", "e"] },
];

Deno.test("OpenAIClientGenerator against the kit's server returns what the local sampler returns", async () => {
  const m = await tinyModel();
  const local = await LocalGenerator.create(m.config, m.params, m.tokenizer, {
    session: { threads: 1 },
  });
  const want: GenerationResult[] = [];
  for (const r of REQUESTS) want.push(...await local.generate([r]));
  await local.close();
  await withServer(async ({ baseUrl }) => {
    const client = await OpenAIClientGenerator.connect({ baseUrl, concurrency: 2 });
    assert.equal(client.model, m.dir.split("/").at(-1));
    assert.equal(client.maxModelLen, 128);
    assertSameResults(await client.generate(REQUESTS), want, 1e-4);
  });
});

Deno.test("OpenAIClientGenerator retries after an injected 503 and a 429 with Retry-After", async () => {
  let calls = 0;
  const inject = (inner: (req: Request) => Promise<Response>) => (req: Request) => {
    if (!new URL(req.url).pathname.endsWith("/completions")) return inner(req);
    calls++;
    if (calls === 1) return Promise.resolve(new Response("overloaded", { status: 503 }));
    if (calls === 2) {
      return Promise.resolve(
        Response.json({ error: { message: "slow down" } }, {
          status: 429,
          headers: { "retry-after": "0.05" },
        }),
      );
    }
    return inner(req);
  };
  await withServer(async ({ baseUrl, model }) => {
    const client = new OpenAIClientGenerator({
      baseUrl,
      model: model.dir.split("/").at(-1)!,
      retryBaseMs: 10,
    });
    const [r] = await client.generate([{
      prompt: "Hi",
      maxTokens: 4,
      temperature: 0,
      ignoreEos: true,
    }]);
    assert.equal(calls, 3);
    assert.equal(r.samples[0].responseIds.length, 4);
    assert.equal(r.samples[0].logprobs.length, 4);
  }, inject);
});

Deno.test("OpenAIClientGenerator gives up after maxRetries and does not retry a 400", async () => {
  let calls = 0;
  const failing = (inner: (req: Request) => Promise<Response>) => (req: Request) => {
    calls++;
    return new URL(req.url).pathname.endsWith("/chat/completions")
      ? Promise.resolve(new Response("down", { status: 502 }))
      : inner(req);
  };
  await withServer(async ({ baseUrl, model }) => {
    const client = new OpenAIClientGenerator({
      baseUrl,
      model: model.dir.split("/").at(-1)!,
      retryBaseMs: 5,
      maxRetries: 2,
    });
    await assert.rejects(
      client.generate([{ messages: [{ role: "user", content: "x" }], maxTokens: 2 }]),
      /failed after 3 attempts: HTTP 502/,
    );
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      client.generate([{ prompt: "x".repeat(120), maxTokens: 50 }]),
      (e: unknown) => e instanceof GenerationError && e.code === "context_length_exceeded",
    );
    assert.equal(calls, 1);
  }, failing);
});

Deno.test("OpenAIClientGenerator times out a stalled attempt, retries, and bounds its concurrency", async () => {
  let inFlight = 0, maxInFlight = 0, calls = 0;
  const slow = (inner: (req: Request) => Promise<Response>) => async (req: Request) => {
    calls++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (calls === 1) await new Promise((r) => setTimeout(r, 400)); // the first attempt stalls
      return await inner(req);
    } finally {
      inFlight--;
    }
  };
  await withServer(async ({ baseUrl, model }) => {
    const client = new OpenAIClientGenerator({
      baseUrl,
      model: model.dir.split("/").at(-1)!,
      timeoutMs: 150,
      retryBaseMs: 5,
      concurrency: 2,
    });
    const requests = Array.from(
      { length: 5 },
      (_, i) => ({ prompt: `p${i}`, maxTokens: 3, temperature: 0 }),
    );
    const results = await client.generate(requests);
    assert.equal(results.length, 5);
    assert.equal(calls, 6, "one timed-out attempt plus five answers");
    assert.ok(maxInFlight <= 3, `max in flight ${maxInFlight}`); // 2 + the abandoned stalled one
  }, slow);
});
