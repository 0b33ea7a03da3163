/**
 * A client that disconnects frees its batch row. The server runs over an in-process engine
 * with room for one sequence (`maxBatch: 1`) whose model calls pass a gate the test opens one
 * call at a time, so the test knows exactly how many tokens the disconnected request got.
 */

import assert from "node:assert/strict";
import { OrtStepModel, type StepModel } from "../../lib/rollout/decode_model.ts";
import type { ModelStepInput, ModelStepOutput } from "../../lib/rollout/decode_model.ts";
import { RolloutEngine } from "../../lib/rollout/engine.ts";
import { createOpenAIHandler } from "../../lib/rollout/server.ts";
import type { Generator } from "../../lib/rollout/types.ts";
import { tinyModel } from "./_fixtures.ts";
import { post } from "./_server.ts";

/** A model whose calls wait at a gate: each passes on a grant, or freely once opened. */
class GatedModel implements StepModel {
  readonly config;
  #open = false;
  #blocked: (() => void) | null = null;
  #onBlocked: (() => void)[] = [];

  constructor(private readonly inner: StepModel) {
    this.config = inner.config;
  }

  async run(input: ModelStepInput): Promise<ModelStepOutput> {
    if (!this.#open) {
      await new Promise<void>((pass) => {
        this.#blocked = pass;
        for (const notify of this.#onBlocked.splice(0)) notify();
      });
    }
    return await this.inner.run(input);
  }

  /** Resolves once a call is waiting at the gate. */
  blocked(): Promise<void> {
    return this.#blocked ? Promise.resolve() : new Promise((r) => this.#onBlocked.push(r));
  }

  /** Lets the waiting call through. */
  grant(): void {
    const pass = this.#blocked;
    this.#blocked = null;
    pass?.();
  }

  /** Lets every call through from now on. */
  open(): void {
    this.#open = true;
    this.grant();
  }

  release(): Promise<void> {
    return this.inner.release();
  }
}

/**
 * A server over a one-row engine. `aborted` resolves once the first HTTP request's signal has
 * aborted (Deno aborts it when the client goes away); the test observes it before the handler
 * does, and abort listeners run synchronously, so by then the server has reacted.
 */
async function withGatedServer(
  fn: (
    s: { url: string; gate: GatedModel; engine: RolloutEngine; aborted: Promise<void> },
  ) => Promise<void>,
) {
  const m = await tinyModel();
  const gate = new GatedModel(await OrtStepModel.create(m.config, m.params, { threads: 1 }));
  const engine = new RolloutEngine(gate, m.tokenizer, { maxBatch: 1 });
  let sawAbort!: () => void;
  const aborted = new Promise<void>((r) => sawAbort = r);
  const generator: Generator = {
    model: "tiny",
    maxModelLen: engine.maxModelLen,
    generate: (requests, options) => engine.generate(requests, options),
    close: () => Promise.resolve(),
  };
  const handler = createOpenAIHandler(generator, m.tokenizer);
  const controller = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: controller.signal, onListen: () => {} },
    (req) => {
      req.signal.addEventListener("abort", () => sawAbort(), { once: true });
      return handler(req);
    },
  );
  try {
    await fn({ url: `http://127.0.0.1:${server.addr.port}/v1`, gate, engine, aborted });
  } finally {
    gate.open();
    await engine.idle();
    controller.abort();
    await server.finished;
    await gate.release();
  }
}

const LONG = { prompt: "Hello", max_tokens: 100, ignore_eos: true, temperature: 0 };
const SHORT = { prompt: "Hi", max_tokens: 5, ignore_eos: true, temperature: 0 };

Deno.test("a client that leaves a stream frees its batch row: its request stops and the next one runs", async () => {
  await withGatedServer(async ({ url, gate, engine, aborted }) => {
    let response: Response | null = null;
    const streaming = fetch(`${url}/completions`, {
      method: "POST",
      body: JSON.stringify({ ...LONG, stream: true }),
    }).then((r) => response = r);
    let granted = 0; // model calls let through for the long request, one token each
    while (response === null) {
      await Promise.race([gate.blocked(), streaming]);
      if (response === null) {
        gate.grant();
        granted++;
      }
    }
    await (response as Response).body!.cancel(); // the client goes away mid-stream
    await aborted;
    gate.open();
    const r = await post(`${url}/completions`, SHORT);
    assert.equal(r.status, 200);
    assert.equal((r.json.usage as { completion_tokens: number }).completion_tokens, 5);
    // The long request stopped at its `granted` tokens: 100 would mean it kept its row.
    assert.equal(engine.stats().generatedTokens, granted + 5);
    assert.equal(engine.stats().prefillCalls, 2);
  });
});

Deno.test("a client that leaves before a non-streaming answer frees its batch row", async () => {
  await withGatedServer(async ({ url, gate, engine, aborted }) => {
    const client = new AbortController();
    const waiting = fetch(`${url}/completions`, {
      method: "POST",
      body: JSON.stringify(LONG),
      signal: client.signal,
    });
    await gate.blocked(); // the long request's prefill is waiting
    client.abort();
    await assert.rejects(waiting);
    await aborted;
    gate.open();
    const r = await post(`${url}/completions`, SHORT);
    assert.equal(r.status, 200);
    // The prefill that was running for the long request is discarded: no token of it counts.
    assert.equal(engine.stats().generatedTokens, 5);
    assert.equal(engine.stats().prefillCalls, 2);
  });
});
