/**
 * The kit's OpenAI-compatible server on loopback for tests: a `WorkerGenerator` over the tiny
 * model behind `createOpenAIHandler`, optionally wrapped (fault injection), on a free port.
 *
 * @module
 */

import { createOpenAIHandler } from "../../lib/rollout/server.ts";
import { WorkerGenerator } from "../../lib/rollout/worker_generator.ts";
import { type TinyModel, tinyModel } from "./_fixtures.ts";

/** What a test gets. */
export interface TestServer {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  generator: WorkerGenerator;
  model: TinyModel;
}

type Handler = (req: Request) => Promise<Response>;

/**
 * Runs `fn` against a fresh server, then stops server and worker.
 *
 * @param fn the test body
 * @param wrap wraps the handler (e.g. to answer 503 first)
 */
export async function withServer(
  fn: (s: TestServer) => Promise<void>,
  wrap: (inner: Handler) => Handler = (h) => h,
): Promise<void> {
  const model = await tinyModel();
  const generator = await WorkerGenerator.load(model.dir, { session: { threads: 1 } });
  const controller = new AbortController();
  const handler = wrap(createOpenAIHandler(generator, model.tokenizer));
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: controller.signal, onListen: () => {} },
    handler,
  );
  try {
    await fn({ baseUrl: `http://127.0.0.1:${server.addr.port}/v1`, generator, model });
  } finally {
    controller.abort();
    await server.finished;
    await generator.close();
  }
}

/** POSTs JSON and returns the status and parsed body. */
export async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
