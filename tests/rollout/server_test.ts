import assert from "node:assert/strict";
import { LocalGenerator } from "../../lib/rollout/local.ts";
import {
  chatBodySchema,
  chatRequest,
  completionBodySchema,
  completionRequests,
} from "../../lib/rollout/openai_schema.ts";
import type { GenerationRequest } from "../../lib/rollout/types.ts";
import { tinyModel } from "./_fixtures.ts";
import { post, withServer } from "./_server.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Bodies, and the generation requests each must become (written out). */
const BODIES: { path: string; body: Json; requests: GenerationRequest[] }[] = [
  {
    path: "completions",
    body: { prompt: "Hello", max_tokens: 30, temperature: 0 },
    requests: [{ prompt: "Hello", n: 1, maxTokens: 30, temperature: 0 }],
  },
  {
    path: "completions",
    body: { prompt: [72, 101, 121], max_tokens: 25, temperature: 0.9, seed: 4, n: 2 },
    requests: [{ promptIds: [72, 101, 121], n: 2, maxTokens: 25, temperature: 0.9, seed: 4 }],
  },
  {
    path: "chat/completions",
    body: { messages: [{ role: "user", content: "Hi!" }], max_tokens: 20, temperature: 0 },
    requests: [{
      messages: [{ role: "user", content: "Hi!" }],
      n: 1,
      maxTokens: 20,
      temperature: 0,
    }],
  },
  {
    path: "chat/completions",
    body: {
      messages: [{ role: "user", content: [{ type: "text", text: "Tell me" }] }],
      max_tokens: 35,
      seed: 8,
      top_k: 10,
    },
    requests: [{
      messages: [{ role: "user", content: "Tell me" }],
      n: 1,
      maxTokens: 35,
      seed: 8,
      topK: 10,
    }],
  },
  {
    path: "completions",
    body: { prompt: ["one", "two words"], max_tokens: 12, temperature: 0 },
    requests: [
      { prompt: "one", n: 1, maxTokens: 12, temperature: 0 },
      { prompt: "two words", n: 1, maxTokens: 12, temperature: 0 },
    ],
  },
  {
    path: "completions",
    body: { prompt: "The end", max_tokens: 40, temperature: 1, seed: 1, stop: ["e"] },
    requests: [{ prompt: "The end", n: 1, maxTokens: 40, temperature: 1, seed: 1, stop: ["e"] }],
  },
];

Deno.test("completionRequests() and chatRequest() turn bodies into the written-out requests", () => {
  for (const { path, body, requests } of BODIES) {
    const got = path === "completions"
      ? completionRequests(completionBodySchema.parse(body))
      : [chatRequest(chatBodySchema.parse(body))];
    assert.deepEqual(got, requests, JSON.stringify(body));
  }
  // /v1/completions defaults to 16 new tokens, chat to the rest of the context.
  assert.deepEqual(completionRequests(completionBodySchema.parse({ prompt: "a" })), [
    { prompt: "a", n: 1, maxTokens: 16 },
  ]);
  assert.deepEqual(chatRequest(chatBodySchema.parse({ messages: [{ role: "user" }] })), {
    messages: [{ role: "user", content: "" }],
    n: 1,
  });
});

/** What the local sampler gives for a body's written-out requests, each alone. */
async function expected(local: LocalGenerator, requests: GenerationRequest[]) {
  const out = [];
  for (const r of requests) out.push(...await local.generate([r]));
  return out.flatMap((r) =>
    r.samples.map((s) => ({
      text: s.text,
      ids: s.responseIds,
      finish: s.finishReason,
      prompt: r.promptIds,
    }))
  );
}

Deno.test("server: concurrent clients get correct, independent answers", async () => {
  const m = await tinyModel();
  const local = await LocalGenerator.create(m.config, m.params, m.tokenizer, {
    session: { threads: 1 },
  });
  const want: Awaited<ReturnType<typeof expected>>[] = [];
  for (const { requests } of BODIES) want.push(await expected(local, requests));
  await local.close();
  await withServer(async ({ baseUrl }) => {
    const replies = await Promise.all(
      BODIES.map(({ path, body }) =>
        post(`${baseUrl}/${path}`, { ...body, return_token_ids: true })
      ),
    );
    replies.forEach((r, i) => {
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const choices = r.json.choices as Json[];
      const got = choices.map((c) => ({
        text: c.text ?? c.message.content,
        ids: c.token_ids,
        finish: c.finish_reason,
        prompt: c.prompt_token_ids ?? r.json.prompt_token_ids,
      }));
      assert.deepEqual(got, want[i], `request ${i}`);
      assert.deepEqual(choices.map((c) => c.index), choices.map((_, k) => k));
      const usage = r.json.usage as Json;
      assert.equal(usage.completion_tokens, want[i].reduce((n, w) => n + w.ids.length, 0));
    });
  });
});

Deno.test("server: logprobs come in OpenAI's shapes and /v1/models lists the model", async () => {
  await withServer(async ({ baseUrl, model }) => {
    const c = await post(`${baseUrl}/completions`, {
      prompt: "Hey",
      max_tokens: 5,
      logprobs: 2,
      temperature: 0,
      ignore_eos: true,
    });
    assert.equal(c.status, 200);
    const lp = (c.json.choices as Json[])[0].logprobs;
    assert.equal(lp.tokens.length, 5);
    assert.equal(lp.token_logprobs.length, 5);
    assert.ok(lp.token_logprobs.every((x: number) => x < 0));
    assert.ok(lp.top_logprobs.every((t: Record<string, number>) => Object.keys(t).length >= 1));
    // Greedy: the chosen token is the most likely alternative.
    lp.top_logprobs.forEach((t: Record<string, number>, i: number) =>
      assert.equal(Math.max(...Object.values(t)), lp.token_logprobs[i])
    );
    const ch = await post(`${baseUrl}/chat/completions`, {
      messages: [{ role: "user", content: "x" }],
      max_tokens: 4,
      logprobs: true,
      top_logprobs: 3,
      return_tokens_as_token_ids: true,
      ignore_eos: true,
    });
    assert.equal(ch.status, 200);
    const content = (ch.json.choices as Json[])[0].logprobs.content;
    assert.equal(content.length, 4);
    assert.match(content[0].token, /^token_id:\d+$/);
    assert.equal(content[0].top_logprobs.length, 3);
    const models = await (await fetch(`${baseUrl}/models`)).json();
    assert.equal(models.data[0].id, model.dir.split("/").at(-1));
    assert.equal(models.data[0].max_model_len, 128);
  });
});

Deno.test("server: malformed requests get 400 with a message naming the problem", async () => {
  await withServer(async ({ baseUrl }) => {
    const cases: [string, unknown, number, RegExp][] = [
      ["completions", "{not json", 400, /not valid JSON/],
      ["completions", { max_tokens: 3 }, 400, /prompt/],
      ["completions", { prompt: "a", temperature: "hot" }, 400, /temperature/],
      ["completions", { prompt: "a", n: 0 }, 400, /^n:/],
      ["completions", { prompt: "a", stream: "yes" }, 400, /^stream:/],
      ["completions", { prompt: [1, 100000] }, 400, /outside the vocabulary/],
      ["completions", { prompt: "a", model: "gpt-4" }, 404, /gpt-4/],
      ["chat/completions", { messages: [] }, 400, /messages/],
      [
        "chat/completions",
        { messages: [{ role: "user", content: "a" }], top_logprobs: 2 },
        400,
        /logprobs/,
      ],
      ["nothing", { prompt: "a" }, 404, /no route/],
    ];
    for (const [path, body, status, message] of cases) {
      const r = await post(`${baseUrl}/${path}`, body);
      assert.equal(r.status, status, `${path} ${JSON.stringify(body)}`);
      assert.match((r.json.error as Json).message, message, `${path} ${JSON.stringify(body)}`);
    }
    const get = await fetch(`${baseUrl}/completions`);
    assert.equal(get.status, 405);
    await get.body?.cancel();
  });
});

Deno.test("server: a request over the context limit gets a clear 400", async () => {
  await withServer(async ({ baseUrl }) => {
    const r = await post(`${baseUrl}/completions`, { prompt: "y".repeat(120), max_tokens: 20 });
    assert.equal(r.status, 400);
    assert.match(
      (r.json.error as Json).message,
      /maximum context length is 128 tokens, but the prompt has 120 tokens and 20 new tokens/,
    );
    // Chat without max_tokens takes the rest of the context and succeeds.
    const ok = await post(`${baseUrl}/chat/completions`, {
      messages: [{ role: "user", content: "z".repeat(90) }],
      temperature: 0,
    });
    assert.equal(ok.status, 200);
    const usage = ok.json.usage as Json;
    assert.ok(usage.total_tokens <= 128);
  });
});
