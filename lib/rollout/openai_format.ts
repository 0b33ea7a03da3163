/**
 * OpenAI-compatible response bodies from {@link GenerationResult}s: completions and chat
 * choices with their `logprobs` objects, usage, vLLM's `stop_reason` / `token_ids` /
 * `prompt_token_ids` extensions, and the error body.
 *
 * Token strings are each token's own decoded text, or `token_id:<id>` when the request asked
 * for `return_tokens_as_token_ids` (vLLM's convention, exact for every token).
 *
 * @module
 */

import type { Tokenizer } from "../tokenizer/mod.ts";
import type { GenerationResult, Sample, TokenLogprob } from "./types.ts";

/** How a response shows tokens. */
export interface TokenView {
  tokenizer: Tokenizer;
  /** `token_id:<id>` instead of text. */
  asIds: boolean;
}

const encoder = new TextEncoder();

/** The string of one token. */
export function tokenString(view: TokenView, id: number): string {
  return view.asIds ? `token_id:${id}` : view.tokenizer.decode([id]);
}

/** Token counts of a response. */
export function usage(results: GenerationResult[]) {
  const prompt = results.reduce((n, r) => n + r.promptIds.length, 0);
  const completion = results.reduce(
    (n, r) => n + r.samples.reduce((m, s) => m + s.responseIds.length, 0),
    0,
  );
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

function completionLogprobs(view: TokenView, s: Sample, top: number) {
  const tokens = s.responseIds.map((id) => tokenString(view, id));
  const offsets: number[] = [];
  let at = 0;
  for (const t of tokens) {
    offsets.push(at);
    at += t.length;
  }
  const alternatives = (step: TokenLogprob[] | undefined) =>
    Object.fromEntries((step ?? []).map((a) => [tokenString(view, a.id), a.logprob]));
  return {
    tokens,
    token_logprobs: s.logprobs,
    top_logprobs: top > 0 ? s.responseIds.map((_, t) => alternatives(s.topLogprobs?.[t])) : null,
    text_offset: offsets,
  };
}

/**
 * The body of a `/v1/completions` response.
 *
 * @param results one result per prompt
 * @param options model name, token view, `logprobs` (null: none), vLLM id extensions
 * @returns the JSON value
 */
export function completionResponse(
  results: GenerationResult[],
  options: { model: string; view: TokenView; logprobs: number | null; returnTokenIds: boolean },
) {
  const choices = results.flatMap((r) =>
    r.samples.map((s) => ({
      text: s.text,
      logprobs: options.logprobs === null
        ? null
        : completionLogprobs(options.view, s, options.logprobs),
      finish_reason: s.finishReason,
      stop_reason: s.stopReason,
      ...(options.returnTokenIds
        ? { prompt_token_ids: r.promptIds, token_ids: s.responseIds }
        : {}),
    }))
  );
  return {
    id: `cmpl-${crypto.randomUUID()}`,
    object: "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: options.model,
    choices: choices.map((c, index) => ({ index, ...c })),
    usage: usage(results),
  };
}

function chatTokenEntry(view: TokenView, id: number, logprob: number) {
  const token = tokenString(view, id);
  return { token, logprob, bytes: [...encoder.encode(token)] };
}

/**
 * The body of a `/v1/chat/completions` response.
 *
 * @param result the request's result
 * @param options model name, token view, whether to add logprobs, vLLM id extensions
 * @returns the JSON value
 */
export function chatResponse(
  result: GenerationResult,
  options: { model: string; view: TokenView; logprobs: boolean; returnTokenIds: boolean },
) {
  const v = options.view;
  return {
    id: `chatcmpl-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: options.model,
    choices: result.samples.map((s, index) => ({
      index,
      message: { role: "assistant", content: s.text },
      logprobs: options.logprobs
        ? {
          content: s.responseIds.map((id, t) => ({
            ...chatTokenEntry(v, id, s.logprobs[t]),
            top_logprobs: (s.topLogprobs?.[t] ?? []).map((a) => chatTokenEntry(v, a.id, a.logprob)),
          })),
        }
        : null,
      finish_reason: s.finishReason,
      stop_reason: s.stopReason,
      ...(options.returnTokenIds ? { token_ids: s.responseIds } : {}),
    })),
    ...(options.returnTokenIds ? { prompt_token_ids: result.promptIds } : {}),
    usage: usage([result]),
  };
}

/** What an error body says besides its message. */
export interface ErrorDetails {
  /** The error type. @default "invalid_request_error" */
  type?: string;
  /** The request field at fault. @default null */
  param?: string | null;
}

/**
 * The body of an error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`
 * (also sent as a server-sent event when a stream fails after it started).
 *
 * @param status the HTTP status
 * @param message what is wrong
 * @param details the error type and field
 * @returns the JSON value
 */
export function errorBody(status: number, message: string, details: ErrorDetails = {}) {
  const type = details.type ?? "invalid_request_error";
  return { error: { message, type, param: details.param ?? null, code: status } };
}

/**
 * An error response in OpenAI's shape (see {@link errorBody}).
 *
 * @param status the HTTP status
 * @param message what is wrong
 * @param details the error type and field
 * @returns the response
 */
export function errorResponse(
  status: number,
  message: string,
  details: ErrorDetails = {},
): Response {
  return Response.json(errorBody(status, message, details), { status });
}
