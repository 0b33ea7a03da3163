import assert from "node:assert/strict";
import OpenAI from "openai";
import { type TestServer, withServer } from "./_server.ts";

/** An `openai` npm client on the test server, and the served model id. */
function clientOf(s: TestServer): { client: OpenAI; model: string } {
  return {
    client: new OpenAI({ baseURL: s.baseUrl, apiKey: "unused", maxRetries: 0 }),
    model: s.model.dir.split("/").at(-1)!,
  };
}

const CHAT_BODIES = [
  { max_tokens: 20, temperature: 0 },
  { max_tokens: 15, temperature: 0.9, seed: 5, n: 2 },
  { max_tokens: 30, temperature: 1, seed: 3, stop: ["a", "e"] },
];

Deno.test("a streaming chat completion from the openai client yields the same text as the non-streaming one", async () => {
  await withServer(async (s) => {
    const { client, model } = clientOf(s);
    for (const extra of CHAT_BODIES) {
      const body = { model, messages: [{ role: "user" as const, content: "Hi there" }], ...extra };
      const full = await client.chat.completions.create(body);
      const stream = await client.chat.completions.create({
        ...body,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const n = extra.n ?? 1;
      for (let index = 0; index < n; index++) {
        const mine = chunks.flatMap((c) => c.choices.filter((ch) => ch.index === index));
        assert.deepEqual(mine[0].delta, { role: "assistant", content: "" }, "role comes first");
        assert.equal(
          mine.map((ch) => ch.delta.content ?? "").join(""),
          full.choices[index].message.content,
          `${JSON.stringify(extra)} choice ${index}`,
        );
        assert.deepEqual(
          mine.map((ch) => ch.finish_reason),
          [...mine.slice(1).map(() => null), full.choices[index].finish_reason],
          "finish_reason in the last chunk of the choice only",
        );
      }
      const last = chunks.at(-1)!;
      assert.deepEqual(last.choices, []);
      assert.deepEqual(last.usage, full.usage);
      assert.ok(chunks.slice(0, -1).every((c) => c.usage === null), "usage: null before the end");
      assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
      assert.equal(new Set(chunks.map((c) => c.id)).size, 1, "one id per stream");
    }
  });
});

Deno.test("a streaming completion interleaves prompts and samples by index, with the non-streaming text", async () => {
  await withServer(async (s) => {
    const { client, model } = clientOf(s);
    const body = { model, prompt: ["one", "two"], n: 2, max_tokens: 10, seed: 2, temperature: 1 };
    const full = await client.completions.create(body);
    const stream = await client.completions.create({ ...body, stream: true });
    const texts = ["", "", "", ""];
    const finishes: (string | null)[][] = [[], [], [], []];
    for await (const chunk of stream) {
      assert.equal(chunk.object, "text_completion");
      assert.equal(chunk.usage, undefined, "no usage without stream_options.include_usage");
      for (const c of chunk.choices) {
        texts[c.index] += c.text;
        finishes[c.index].push(c.finish_reason);
      }
    }
    assert.deepEqual(texts, full.choices.map((c) => c.text));
    assert.deepEqual(finishes.map((f) => f.at(-1)), ["length", "length", "length", "length"]);
    assert.deepEqual(finishes.map((f) => f.slice(0, -1).every((x) => x === null)), [
      true,
      true,
      true,
      true,
    ]);
  });
});

Deno.test("the event stream is server-sent events of JSON chunks ending in data: [DONE]", async () => {
  await withServer(async ({ baseUrl }) => {
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        messages: [{ role: "user", content: "x" }],
        max_tokens: 3,
        stream: true,
        ignore_eos: true,
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const events = (await res.text()).split("\n\n");
    assert.equal(events.pop(), "", "every event ends with a blank line");
    assert.ok(events.every((e) => e.startsWith("data: ")));
    assert.equal(events.at(-1), "data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice("data: ".length)));
    assert.deepEqual(Object.keys(chunks[0]), ["id", "object", "created", "model", "choices"]);
    assert.deepEqual(chunks[0].choices, [{
      logprobs: null,
      finish_reason: null,
      index: 0,
      delta: { role: "assistant", content: "" },
    }]);
    assert.deepEqual(chunks.at(-1).choices, [{
      logprobs: null,
      finish_reason: "length",
      index: 0,
      delta: {},
      stop_reason: null,
    }]);
  });
});

Deno.test("a streaming request the sampler refuses gets a 400 before any event", async () => {
  await withServer(async (s) => {
    const { client, model } = clientOf(s);
    await assert.rejects(
      client.completions.create({ model, prompt: "y".repeat(120), max_tokens: 20, stream: true }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError, String(e));
        assert.match(
          e.message,
          /maximum context length is 128 tokens, but the prompt has 120 tokens and 20 new tokens/,
        );
        return true;
      },
    );
  });
});
