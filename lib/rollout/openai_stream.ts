/**
 * Server-sent-event streaming of `/v1/completions` and `/v1/chat/completions` responses, in
 * the chunks OpenAI sends: `chat.completion.chunk`s whose first `delta` per choice carries
 * `role: "assistant"`, then `content` pieces, then an empty delta with `finish_reason` (and
 * vLLM's `stop_reason`); `text_completion` chunks with `text` pieces for completions. Choices
 * of `n > 1` (and of a list of prompts, `index = prompt * n + sample`) interleave by `index`
 * as they are generated. `stream_options.include_usage` adds `usage: null` to every chunk and
 * a last chunk with no choices and the token counts. The stream ends with `data: [DONE]`.
 *
 * The pieces come from the generator's `onText` deltas, which never contain text that a stop
 * string later removes, so the streamed text equals the non-streamed one. A client that
 * disconnects (the body is cancelled, or the request's signal aborts) cancels the generation,
 * which frees its batch rows. A request the generator refuses before producing any text gets
 * an ordinary error response (the server turns the rejection into a 400); a failure after the
 * stream started is sent as an `{"error": ...}` event before `[DONE]`.
 *
 * @module
 */

import { errorBody, usage } from "./openai_format.ts";
import type { Endpoint } from "./openai_unhonoured.ts";
import type { GenerationRequest, GenerationResult, Generator, TextDelta } from "./types.ts";

/** Options of {@link streamResponse}. */
export interface StreamResponseOptions {
  /** Which endpoint: chat chunks or completion chunks. */
  endpoint: Endpoint;
  /** The model id in every chunk. */
  model: string;
  /** Samples per request (choice index = request * n + sample). */
  n: number;
  /** Send `usage: null` in every chunk and a final usage chunk. @default false */
  includeUsage?: boolean;
  /** The HTTP request's signal (aborts when the client goes away). */
  signal: AbortSignal;
}

const encoder = new TextEncoder();

/** One server-sent event carrying a JSON value (or the literal `[DONE]`). */
export function sseEvent(data: unknown): Uint8Array {
  return encoder.encode(`data: ${data === "[DONE]" ? data : JSON.stringify(data)}\n\n`);
}

/**
 * Starts the generation and answers with its event stream once the first text arrives (or
 * the generation ends).
 *
 * @param generator what samples
 * @param requests the translated requests
 * @param options endpoint, model id, n, usage, the client's signal
 * @returns the streaming response
 * @throws what the generator rejected with before any text was produced
 */
export async function streamResponse(
  generator: Generator,
  requests: readonly GenerationRequest[],
  options: StreamResponseOptions,
): Promise<Response> {
  const chat = options.endpoint === "chat";
  const head = {
    id: `${chat ? "chatcmpl" : "cmpl"}-${crypto.randomUUID()}`,
    object: chat ? "chat.completion.chunk" : "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: options.model,
  };
  const usageField = options.includeUsage ? { usage: null } : {};
  const chunk = (choice: Record<string, unknown>) => ({
    ...head,
    choices: [{ logprobs: null, finish_reason: null, ...choice }],
    ...usageField,
  });

  const cancel = new AbortController();
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (out = c),
    cancel: () => {
      open = false;
      cancel.abort(new DOMException("the client closed the stream", "AbortError"));
    },
  });
  const send = (data: unknown) => {
    if (open) out.enqueue(sseEvent(data));
  };
  const end = () => {
    if (!open) return;
    send("[DONE]");
    open = false;
    out.close();
  };

  let textSent = false, started!: () => void;
  const firstText = new Promise<void>((resolve) => started = resolve);
  if (chat) {
    for (let index = 0; index < options.n; index++) {
      send(chunk({ index, delta: { role: "assistant", content: "" } }));
    }
  }
  const onText = (d: TextDelta) => {
    const index = d.request * options.n + d.sample;
    if (d.text !== "") {
      send(chunk(chat ? { index, delta: { content: d.text } } : { index, text: d.text }));
    }
    if (d.finishReason !== null) {
      const finish = { finish_reason: d.finishReason, stop_reason: d.stopReason };
      send(chunk(chat ? { index, delta: {}, ...finish } : { index, text: "", ...finish }));
    }
    textSent = true;
    started();
  };

  // A listener removed when the generation ends, not `AbortSignal.any`, which would keep
  // watching the request's signal (Deno aborts it after every response).
  const onClientGone = () => cancel.abort(options.signal.reason);
  options.signal.addEventListener("abort", onClientGone, { once: true });
  const signal = cancel.signal;
  const generation = generator.generate(requests, { signal, onText });
  const unwatch = () => options.signal.removeEventListener("abort", onClientGone);
  generation.then(unwatch, unwatch);
  await Promise.race([firstText, generation.then(() => {}, () => {})]);
  if (!textSent) await generation; // refused (or cancelled) before any text: throw it as such
  generation.then(
    (results: GenerationResult[]) => {
      if (options.includeUsage) send({ ...head, choices: [], usage: usage(results) });
      end();
    },
    (e: unknown) => {
      if (!signal.aborted) {
        send(errorBody(500, `generation failed: ${(e as Error).message}`, {
          type: "InternalServerError",
        }));
      }
      end();
    },
  );
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}
