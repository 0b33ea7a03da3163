import assert from "node:assert/strict";
import OpenAI from "openai";
import { tinyModel } from "./_fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("deno task serve: a streaming chat completion from the openai client has the non-streaming text", async () => {
  const m = await tinyModel();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "serve", "--model", m.dir, "--port", "0", "--threads", "1", "--quiet"],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Its stderr, read to the end (so the pipe never fills); the address is in the "serving" line.
  let log = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let baseURL: string | null = null;
  while (baseURL === null) {
    const { value, done } = await reader.read();
    if (done) break;
    log += value;
    baseURL = / at (http:\/\/\S+\/v1)\n/.exec(log)?.[1] ?? null;
  }
  const drained = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) log += r.value;
  })();
  try {
    assert.ok(baseURL, `the server did not start:\n${log}`);
    const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
    const body = {
      model: m.dir.split("/").at(-1)!,
      messages: [{ role: "user" as const, content: "Tell me a story" }],
      max_tokens: 24,
      temperature: 0.8,
      seed: 7,
    };
    const full = await client.chat.completions.create(body);
    let streamed = "";
    let finish: string | null = null;
    for await (const chunk of await client.chat.completions.create({ ...body, stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(streamed, full.choices[0].message.content);
    assert.equal(finish, full.choices[0].finish_reason);
  } finally {
    child.kill("SIGINT");
    const status = await child.status;
    await drained;
    assert.equal(status.code, 0, log);
  }
});
