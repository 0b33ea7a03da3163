import assert from "node:assert/strict";
import { RemoteReward } from "../../lib/reward/remote.ts";
import { ruleReward } from "../../lib/reward/rules.ts";
import { createRewardHandler, isLoopback, serveReward } from "../../lib/reward/server.ts";
import type { Reward } from "../../lib/reward/types.ts";
import { record } from "./_fixtures.ts";

/** Scores the length of the response; NaN for the response "nan". */
const lengthReward: Reward = ruleReward(
  "len",
  (r) => r.response === "nan" ? NaN : r.response.length,
);

const item = { messages: [{ role: "user", content: "Hi" }], response: "Hello" };

async function withServer(
  options: Parameters<typeof serveReward>[1],
  fn: (url: string) => Promise<void>,
  reward: Reward = lengthReward,
): Promise<void> {
  const ac = new AbortController();
  let port = 0;
  const server = serveReward(reward, {
    ...options,
    port: 0,
    signal: ac.signal,
    onListen: (a) => port = a.port,
  });
  try {
    await fn(`http://127.0.0.1:${port}`);
  } finally {
    ac.abort();
    await server.finished;
  }
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/score`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

Deno.test("POST /score answers a score and terms per item, in order; GET /health is ok", async () => {
  await withServer({}, async (url) => {
    const res = await post(url, {
      items: [item, { ...item, response: "Hey", finish_reason: "length" }],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      scores: [{ score: 5, terms: { len: 5 } }, { score: 3, terms: { len: 3 } }],
    });
    const health = await fetch(`${url}/health`);
    assert.deepEqual(await health.json(), { status: "ok", reward: "len" });
  });
});

Deno.test("the reward server answers 400 naming the bad field, 404 and 405", async () => {
  await withServer({}, async (url) => {
    const bad = async (body: unknown, want: RegExp) => {
      const res = await post(url, body);
      assert.equal(res.status, 400);
      assert.match((await res.json()).error.message, want);
    };
    await bad("{not json", /^body: not JSON/);
    await bad({ items: [item, { ...item, response: 3 }] }, /^items\[1\]\.response: /);
    await bad({ items: [{ ...item, finish_reason: "eos" }] }, /^items\[0\]\.finish_reason: /);
    await bad({}, /^items: /);
    assert.equal((await (await fetch(`${url}/nope`)).text()).includes("no route /nope"), true);
    const get = await fetch(`${url}/score`);
    assert.equal(get.status, 405);
    await get.body?.cancel();
  });
});

Deno.test("the reward server answers 413 above the body size or item limit", async () => {
  await withServer({ maxBodyBytes: 400, maxItems: 2 }, async (url) => {
    const big = await post(url, { items: [{ ...item, response: "x".repeat(500) }] });
    assert.equal(big.status, 413);
    assert.match((await big.json()).error.message, /larger than 400 bytes/);
    const many = await post(url, { items: [item, item, item] });
    assert.equal(many.status, 413);
    assert.match((await many.json()).error.message, /3 items, at most 2/);
    assert.equal((await post(url, { items: [item, item] })).status, 200);
  });
});

Deno.test("the reward server with a token answers 401 to a missing or wrong token", async () => {
  await withServer({ token: "s3cret" }, async (url) => {
    const none = await post(url, { items: [item] });
    assert.equal(none.status, 401);
    await none.body?.cancel();
    const wrong = await post(url, { items: [item] }, { authorization: "Bearer s3cre" });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const right = await post(url, { items: [item] }, { authorization: "Bearer s3cret" });
    assert.equal(right.status, 200);
    await right.body?.cancel();
    const health = await fetch(`${url}/health`); // no token needed
    assert.equal(health.status, 200);
    await health.body?.cancel();
    // The client with the wrong token fails at once with the server's message.
    const client = new RemoteReward({ url, token: "nope", retryBaseMs: 1 });
    await assert.rejects(() => client.score([record()]), /HTTP 401: missing or wrong bearer token/);
  });
});

Deno.test("the reward server binds loopback by default and refuses another address without a token", () => {
  assert.equal(isLoopback("127.0.0.1"), true);
  assert.equal(isLoopback("::1"), true);
  assert.equal(isLoopback("localhost"), true);
  assert.equal(isLoopback("0.0.0.0"), false);
  assert.equal(isLoopback("10.0.0.5"), false);
  assert.throws(
    () => serveReward(lengthReward, { hostname: "0.0.0.0", port: 0 }),
    /refusing to serve rewards on 0\.0\.0\.0 without a token/,
  );
});

Deno.test("the reward server answers 422 naming a sample whose reward is not finite", async () => {
  await withServer({}, async (url) => {
    const res = await post(url, { items: [item, { ...item, response: "nan" }] });
    assert.equal(res.status, 422);
    assert.match((await res.json()).error.message, /sample 1 \(response "nan"\): score is NaN/);
  });
});

Deno.test("RemoteReward scores through the server in chunks, keeping input order", async () => {
  await withServer({ maxItems: 2 }, async (url) => {
    const client = new RemoteReward({ url, maxItemsPerRequest: 2, concurrency: 2 });
    const progress: number[] = [];
    const out = await client.score(
      ["a", "bb", "ccc", "dddd", "eeeee"].map((response) => record({ response })),
      { onProgress: (d) => progress.push(d) },
    );
    assert.deepEqual(out.map((o) => o.score), [1, 2, 3, 4, 5]);
    assert.equal(progress.at(-1), 5);
  });
});

Deno.test("RemoteReward retries an injected 503 and then gets the scores", async () => {
  const handler = createRewardHandler(lengthReward);
  let calls = 0;
  const flaky = (req: Request) => {
    calls++;
    if (calls === 1) return Promise.resolve(new Response("busy", { status: 503 }));
    return handler(req);
  };
  const ac = new AbortController();
  let port = 0;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: (a) => port = a.port,
  }, flaky);
  try {
    const client = new RemoteReward({ url: `http://127.0.0.1:${port}`, retryBaseMs: 1 });
    const out = await client.score([record({ response: "abc" })]);
    assert.deepEqual(out, [{ score: 3, terms: { len: 3 } }]);
    assert.equal(calls, 2);
    // With no retries left the 503 is reported.
    calls = 0;
    const once = new RemoteReward({ url: `http://127.0.0.1:${port}`, maxRetries: 0 });
    await assert.rejects(() => once.score([record()]), /failed after 1 attempts: HTTP 503: busy/);
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("RemoteReward retries a refused connection and reports it after the last attempt", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const client = new RemoteReward({
    url: `http://127.0.0.1:${port}`,
    maxRetries: 2,
    retryBaseMs: 1,
  });
  await assert.rejects(() => client.score([record()]), /failed after 3 attempts/);
});
