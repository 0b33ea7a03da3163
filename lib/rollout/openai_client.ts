/**
 * A {@link Generator} backed by any OpenAI-compatible server (vLLM, SGLang, the kit's own
 * `deno task serve`): one HTTP call per request (`/completions` for `prompt`/`promptIds`,
 * `/chat/completions` for `messages`, `n` samples per call), at most `concurrency` calls in
 * flight, a timeout per attempt, and retries with exponential backoff (and `Retry-After`) on
 * 429, 5xx, timeouts and network errors (`lib/util/http_retry.ts`, the policy the reward
 * client shares). Other 4xx answers become {@link GenerationError}s.
 *
 * Token ids and behaviour log-probs, which RL needs, come from vLLM's extensions
 * (`return_token_ids`, `return_tokens_as_token_ids`, sent unless `vllmExtensions: false`);
 * without them the response text is re-encoded with `tokenizer` when one is given (an
 * approximation: a different tokenization of the same text is possible). Log-probs are what
 * the server computes: vLLM's default ignores the temperature (`logprobs_mode=raw_logprobs`),
 * the kit's server uses the temperature-scaled distribution (see `types.ts`).
 *
 * With `maxTokens` unset the server's default applies (16 for `/completions` in OpenAI and
 * vLLM, the rest of the context for chat).
 *
 * @module
 */

import { type Tokenizer } from "../tokenizer/mod.ts";
import { fetchJsonWithRetry, HttpStatusError } from "../util/http_retry.ts";
import { Semaphore } from "../util/pool.ts";
import { parseResponse, type ResponseBody } from "./openai_parse.ts";
import {
  checkRequests,
  type GenerateOptions,
  GenerationError,
  type GenerationRequest,
  type GenerationResult,
  type Generator,
} from "./types.ts";

/** Options of {@link OpenAIClientGenerator}. */
export interface OpenAIClientOptions {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Model id to request. @default the first id of `GET /models` (with `connect()`) */
  model?: string;
  /** Sent as `Authorization: Bearer ...`. */
  apiKey?: string;
  /** Milliseconds per attempt. @default 600000 */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 4 */
  maxRetries?: number;
  /** First backoff in ms (doubles per retry, with jitter). @default 500 */
  retryBaseMs?: number;
  /** Longest backoff in ms. @default 30000 */
  retryMaxMs?: number;
  /** HTTP calls in flight at once. @default 8 */
  concurrency?: number;
  /** Re-encodes text / renders prompts when the server returns no ids. */
  tokenizer?: Tokenizer;
  /** `required`: fail when ids or log-probs cannot be had; `optional`: leave them empty. @default "required" */
  tokenIds?: "required" | "optional";
  /** Send vLLM's fields (`top_k`, `stop_token_ids`, `ignore_eos`, `return_token_ids`, ...). @default true */
  vllmExtensions?: boolean;
  /** Context length, when known. @default from `GET /models` (`max_model_len`) with `connect()` */
  maxModelLen?: number | null;
  /** The fetch function (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Generations from an OpenAI-compatible server. */
export class OpenAIClientGenerator implements Generator {
  readonly model: string;
  readonly maxModelLen: number | null;
  readonly #o: Required<
    Omit<OpenAIClientOptions, "model" | "apiKey" | "tokenizer" | "maxModelLen">
  >;
  readonly #apiKey?: string;
  readonly #tokenizer?: Tokenizer;
  readonly #slots: Semaphore;

  /** @param options server, model and policies (the model id is required here; see {@link connect}) */
  constructor(options: OpenAIClientOptions) {
    if (!options.model) {
      throw new Error("OpenAIClientGenerator: options.model is required (or use connect())");
    }
    this.model = options.model;
    this.maxModelLen = options.maxModelLen ?? null;
    this.#apiKey = options.apiKey;
    this.#tokenizer = options.tokenizer;
    this.#o = {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      timeoutMs: options.timeoutMs ?? 600_000,
      maxRetries: options.maxRetries ?? 4,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      concurrency: options.concurrency ?? 8,
      tokenIds: options.tokenIds ?? "required",
      vllmExtensions: options.vllmExtensions ?? true,
      fetch: options.fetch ?? globalThis.fetch,
    };
    this.#slots = new Semaphore(this.#o.concurrency);
  }

  /**
   * Creates a client, reading the model id and context length from `GET /models` when not given.
   *
   * @param options server, model and policies
   * @returns the client
   */
  static async connect(options: OpenAIClientOptions): Promise<OpenAIClientGenerator> {
    if (options.model && options.maxModelLen !== undefined) {
      return new OpenAIClientGenerator(options);
    }
    const probe = new OpenAIClientGenerator({ ...options, model: options.model ?? "?" });
    const list = await probe.#request("GET", "/models", undefined) as {
      data?: { id: string; max_model_len?: number }[];
    };
    const entry = list.data?.find((m) => !options.model || m.id === options.model) ??
      list.data?.[0];
    if (!entry) throw new Error(`${options.baseUrl}/models lists no model`);
    return new OpenAIClientGenerator({
      ...options,
      model: options.model ?? entry.id,
      maxModelLen: options.maxModelLen ?? entry.max_model_len ?? null,
    });
  }

  /** Samples every request, one HTTP call each (see `Generator`). */
  generate(
    requests: readonly GenerationRequest[],
    options: GenerateOptions = {},
  ): Promise<GenerationResult[]> {
    let checked: GenerationRequest[];
    try {
      checked = checkRequests(requests);
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.all(checked.map((r) => this.#slots.run(() => this.#one(r, options.signal))));
  }

  /** Nothing to release (connections are per call). */
  close(): Promise<void> {
    return Promise.resolve();
  }

  async #one(r: GenerationRequest, signal?: AbortSignal): Promise<GenerationResult> {
    const chat = r.messages !== undefined;
    const body = chat ? this.#chatBody(r) : this.#completionBody(r);
    const json = await this.#request(
      "POST",
      chat ? "/chat/completions" : "/completions",
      body,
      signal,
    );
    return parseResponse(r, json as ResponseBody, {
      chat,
      tokenizer: this.#tokenizer,
      required: this.#o.tokenIds === "required",
    });
  }

  #sampling(r: GenerationRequest): Record<string, unknown> {
    const b: Record<string, unknown> = { model: this.model, n: r.n ?? 1 };
    if (r.maxTokens !== undefined) b.max_tokens = r.maxTokens;
    if (r.temperature !== undefined) b.temperature = r.temperature;
    if (r.topP !== undefined) b.top_p = r.topP;
    if (r.seed !== undefined) b.seed = r.seed;
    if (r.stop?.length) b.stop = r.stop;
    if (this.#o.vllmExtensions) {
      if (r.topK) b.top_k = r.topK;
      if (r.stopTokenIds?.length) b.stop_token_ids = r.stopTokenIds;
      if (r.ignoreEos) b.ignore_eos = true;
      b.return_token_ids = true;
      b.return_tokens_as_token_ids = true;
    } else if (r.topK || r.stopTokenIds?.length || r.ignoreEos) {
      throw new GenerationError(
        "invalid_request",
        "topK, stopTokenIds and ignoreEos need vllmExtensions",
      );
    }
    return b;
  }

  #completionBody(r: GenerationRequest): Record<string, unknown> {
    return { ...this.#sampling(r), prompt: r.prompt ?? r.promptIds, logprobs: r.topLogprobs ?? 0 };
  }

  #chatBody(r: GenerationRequest): Record<string, unknown> {
    return {
      ...this.#sampling(r),
      messages: r.messages,
      logprobs: true,
      top_logprobs: r.topLogprobs ?? 0,
    };
  }

  async #request(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    try {
      return await fetchJsonWithRetry(
        { method, url: `${this.#o.baseUrl}${path}`, headers, body, signal },
        this.#o,
      );
    } catch (e) {
      if (!(e instanceof HttpStatusError)) throw e;
      const code = /maximum context length|context length/i.test(e.body)
        ? "context_length_exceeded"
        : "invalid_request";
      throw new GenerationError(code, e.message);
    }
  }
}
