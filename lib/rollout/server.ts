/**
 * An OpenAI-compatible HTTP server over any {@link Generator} (normally a `WorkerGenerator`,
 * so the event loop stays free while the model runs): `POST /v1/completions`,
 * `POST /v1/chat/completions`, `GET /v1/models`, `GET /health`.
 *
 * Each HTTP request becomes one `generate()` call; the generator batches concurrent calls
 * (the kit's engine adds them to its running batch). `stream: true` answers with server-sent
 * events (`openai_stream.ts`). The request's signal goes to `generate()`, so a client that
 * disconnects, streaming or not, frees its batch rows at the next step. Malformed bodies,
 * requests longer than the context and fields the sampler cannot honour
 * (`openai_unhonoured.ts`) get 400 with a message naming the field.
 *
 * @module
 */

import type { Tokenizer } from "../tokenizer/mod.ts";
import {
  chatResponse,
  completionResponse,
  errorResponse,
  type TokenView,
} from "./openai_format.ts";
import {
  chatBodySchema,
  chatRequest,
  completionBodySchema,
  completionRequests,
  parseBody,
} from "./openai_schema.ts";
import { streamResponse } from "./openai_stream.ts";
import { GenerationError, type Generator } from "./types.ts";

/** Options of {@link createOpenAIHandler}. */
export interface OpenAIHandlerOptions {
  /** The model id clients name. @default the generator's `model` */
  modelName?: string;
  /** Called once per finished request with a short log line. */
  log?: (line: string) => void;
}

/**
 * A `fetch`-style handler serving the OpenAI routes over a generator.
 *
 * @param generator what samples
 * @param tokenizer the model's tokenizer (token strings in `logprobs`)
 * @param options model id, request log
 * @returns the handler (pass it to `Deno.serve`)
 */
export function createOpenAIHandler(
  generator: Generator,
  tokenizer: Tokenizer,
  options: OpenAIHandlerOptions = {},
): (req: Request) => Promise<Response> {
  const model = options.modelName ?? generator.model;
  const created = Math.floor(Date.now() / 1000);

  const checkModel = (name: string | undefined): Response | null =>
    name === undefined || name === model ? null : errorResponse(
      404,
      `The model \`${name}\` does not exist; this server serves \`${model}\``,
      { type: "NotFoundError", param: "model" },
    );

  const completions = async (body: unknown, signal: AbortSignal): Promise<Response> => {
    const parsed = parseBody(completionBodySchema, body);
    if (!parsed.ok) return errorResponse(400, parsed.message, { param: parsed.param });
    const b = parsed.data;
    const bad = checkModel(b.model);
    if (bad) return bad;
    const requests = completionRequests(b);
    if (b.stream) {
      return await streamResponse(generator, requests, {
        endpoint: "completions",
        model,
        n: b.n,
        includeUsage: b.stream_options?.include_usage === true,
        signal,
      });
    }
    const results = await generator.generate(requests, { signal });
    const view: TokenView = { tokenizer, asIds: b.return_tokens_as_token_ids === true };
    return Response.json(completionResponse(results, {
      model,
      view,
      logprobs: b.logprobs ?? null,
      returnTokenIds: b.return_token_ids === true,
    }));
  };

  const chat = async (body: unknown, signal: AbortSignal): Promise<Response> => {
    const parsed = parseBody(chatBodySchema, body);
    if (!parsed.ok) return errorResponse(400, parsed.message, { param: parsed.param });
    const b = parsed.data;
    const bad = checkModel(b.model);
    if (bad) return bad;
    if (b.stream) {
      return await streamResponse(generator, [chatRequest(b)], {
        endpoint: "chat",
        model,
        n: b.n,
        includeUsage: b.stream_options?.include_usage === true,
        signal,
      });
    }
    const [result] = await generator.generate([chatRequest(b)], { signal });
    const view: TokenView = { tokenizer, asIds: b.return_tokens_as_token_ids === true };
    return Response.json(chatResponse(result, {
      model,
      view,
      logprobs: b.logprobs === true,
      returnTokenIds: b.return_token_ids === true,
    }));
  };

  const models = () =>
    Response.json({
      object: "list",
      data: [{
        id: model,
        object: "model",
        created,
        owned_by: "grlo-kit",
        max_model_len: generator.maxModelLen,
      }],
    });

  const routes: Record<string, { method: string; run: (req: Request) => Promise<Response> }> = {
    "/v1/completions": { method: "POST", run: (req) => withBody(req, completions) },
    "/v1/chat/completions": { method: "POST", run: (req) => withBody(req, chat) },
    "/v1/models": { method: "GET", run: () => Promise.resolve(models()) },
    "/health": { method: "GET", run: () => Promise.resolve(new Response("ok")) },
  };

  return async (req: Request): Promise<Response> => {
    const t0 = performance.now();
    const path = new URL(req.url).pathname.replace(/\/+$/, "");
    const route = routes[path];
    let res: Response;
    if (!route) res = errorResponse(404, `no route ${path}`, { type: "NotFoundError" });
    else if (req.method !== route.method) {
      res = errorResponse(405, `${path} takes ${route.method}, not ${req.method}`);
    } else {
      try {
        res = await route.run(req);
      } catch (e) {
        if (e instanceof GenerationError) res = errorResponse(400, e.message);
        else if (req.signal.aborted) res = errorResponse(499, "client closed the request");
        else {res = errorResponse(
            500,
            `internal error: ${(e as Error).message}`,
            { type: "InternalServerError" },
          );}
      }
    }
    options.log?.(`${req.method} ${path} ${res.status} ${(performance.now() - t0).toFixed(0)} ms`);
    return res;
  };
}

async function withBody(
  req: Request,
  run: (body: unknown, signal: AbortSignal) => Promise<Response>,
): Promise<Response> {
  let body: unknown;
  try {
    body = await req.json();
  } catch (e) {
    return errorResponse(400, `the request body is not valid JSON: ${(e as Error).message}`);
  }
  return await run(body, req.signal);
}

/** Options of {@link serveOpenAI}. */
export interface ServeOptions extends OpenAIHandlerOptions {
  /** @default 8000 (0 picks a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  hostname?: string;
  /** Stops the server. */
  signal?: AbortSignal;
  /** Called with the bound address. */
  onListen?: (addr: Deno.NetAddr) => void;
}

/**
 * Serves the OpenAI routes over a generator.
 *
 * @param generator what samples
 * @param tokenizer the model's tokenizer
 * @param options address, model id, log, stop signal
 * @returns the running server (`await server.finished` after aborting the signal)
 */
export function serveOpenAI(
  generator: Generator,
  tokenizer: Tokenizer,
  options: ServeOptions = {},
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({
    port: options.port ?? 8000,
    hostname: options.hostname ?? "127.0.0.1",
    signal: options.signal,
    onListen: options.onListen ?? (() => {}),
  }, createOpenAIHandler(generator, tokenizer, options));
}
