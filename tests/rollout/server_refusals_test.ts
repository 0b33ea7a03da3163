import assert from "node:assert/strict";
import OpenAI from "openai";
import { unhonouredField } from "../../lib/rollout/openai_unhonoured.ts";
import { post, withServer } from "./_server.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const CHAT = { messages: [{ role: "user", content: "a" }], max_tokens: 2 };
const COMPLETION = { prompt: "a", max_tokens: 2 };

/** Bodies the server cannot honour: [path, body, field, message]. */
const REFUSED: [string, Json, string, string][] = [
  [
    "chat/completions",
    { ...CHAT, logit_bias: { "65": 10 } },
    "logit_bias",
    'logit_bias: {"65":10} is not supported by this server (accepted: {})',
  ],
  [
    "completions",
    { ...COMPLETION, min_p: 0.05 },
    "min_p",
    "min_p: 0.05 is not supported by this server (accepted: 0)",
  ],
  [
    "completions",
    { ...COMPLETION, repetition_penalty: 1.1 },
    "repetition_penalty",
    "repetition_penalty: 1.1 is not supported by this server (accepted: 1)",
  ],
  [
    "chat/completions",
    { ...CHAT, response_format: { type: "json_object" } },
    "response_format",
    'response_format: {"type":"json_object"} is not supported by this server ' +
    '(accepted: {"type": "text"})',
  ],
  [
    "completions",
    { ...COMPLETION, presence_penalty: -0.5 },
    "presence_penalty",
    "presence_penalty: -0.5 is not supported by this server (accepted: 0)",
  ],
  [
    "completions",
    { ...COMPLETION, echo: true },
    "echo",
    "echo: true is not supported by this server (accepted: false)",
  ],
  [
    "completions",
    { ...COMPLETION, best_of: 3 },
    "best_of",
    "best_of: 3 is not supported by this server (accepted: the value of n)",
  ],
  [
    "chat/completions",
    { ...CHAT, tools: [{ type: "function", function: { name: "f" } }] },
    "tools",
    'tools: [{"type":"function","function":{"name":"f"}}] is not supported by this server ' +
    "(accepted: [])",
  ],
  [
    "chat/completions",
    { ...CHAT, stream: true, logprobs: true },
    "logprobs",
    "logprobs: true is not supported by this server (accepted: false when stream is true)",
  ],
  [
    "completions",
    { ...COMPLETION, stream: true, logprobs: 1 },
    "logprobs",
    "logprobs: 1 is not supported by this server (accepted: null when stream is true)",
  ],
  [
    "completions",
    { ...COMPLETION, stream_options: { include_usage: true } },
    "stream_options",
    'stream_options: {"include_usage":true} is not supported by this server ' +
    "(accepted: only with stream: true)",
  ],
];

Deno.test("fields the sampler cannot honour get a 400 naming the field", async () => {
  await withServer(async ({ baseUrl }) => {
    for (const [path, body, field, message] of REFUSED) {
      const r = await post(`${baseUrl}/${path}`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.deepEqual(r.json.error, {
        message,
        type: "invalid_request_error",
        param: field,
        code: 400,
      });
    }
  });
});

Deno.test("no-op values of the refused fields are let through", async () => {
  await withServer(async ({ baseUrl }) => {
    const noops = {
      logit_bias: {},
      min_p: 0,
      repetition_penalty: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
      response_format: { type: "text" },
      min_tokens: 0,
      use_beam_search: false,
    };
    const chat = await post(`${baseUrl}/chat/completions`, {
      ...CHAT,
      ...noops,
      tools: [],
      tool_choice: "none",
      add_generation_prompt: true,
      logprobs: false,
      stream: false,
    });
    assert.equal(chat.status, 200, JSON.stringify(chat.json));
    const completion = await post(`${baseUrl}/completions`, {
      ...COMPLETION,
      ...noops,
      echo: false,
      best_of: 2,
      n: 2,
      suffix: "",
    });
    assert.equal(completion.status, 200, JSON.stringify(completion.json));
    assert.equal((completion.json.choices as Json[]).length, 2);
  });
});

Deno.test("the openai client sees a refused field as a BadRequestError", async () => {
  await withServer(async ({ baseUrl, model }) => {
    const client = new OpenAI({ baseURL: baseUrl, apiKey: "unused", maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({
        model: model.dir.split("/").at(-1)!,
        messages: [{ role: "user", content: "a" }],
        logit_bias: { "65": 10 },
        stream: true,
      }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError, String(e));
        assert.equal(e.param, "logit_bias");
        return true;
      },
    );
  });
});

Deno.test("unhonouredField() checks only the fields of its endpoint and skips null", () => {
  assert.equal(unhonouredField({ echo: true }, "chat"), null);
  assert.equal(unhonouredField({ tools: [{}] }, "completions"), null);
  assert.equal(unhonouredField({ min_p: null, logit_bias: null }, "chat"), null);
  assert.deepEqual(unhonouredField({ prompt_logprobs: 2 }, "completions"), {
    field: "prompt_logprobs",
    message: "prompt_logprobs: 2 is not supported by this server (accepted: null)",
  });
});
