/**
 * The OpenAI-compatible request bodies the kit's server accepts (`/v1/completions`,
 * `/v1/chat/completions`), as zod schemas, and their translation to
 * {@link GenerationRequest}s. Besides OpenAI's fields it takes vLLM's sampling extensions
 * (`top_k`, `stop_token_ids`, `ignore_eos`, `return_token_ids`, `return_tokens_as_token_ids`),
 * so the same client code talks to vLLM, SGLang and this server, and `stream` /
 * `stream_options.include_usage` (server-sent events, `openai_stream.ts`). Unknown fields are
 * ignored (as vLLM does); fields the sampler cannot honour (penalties, `logit_bias`, `min_p`,
 * `response_format`, `echo`, ...: the table in `openai_unhonoured.ts`) are refused with a
 * message naming the field unless they hold their no-op value.
 *
 * @module
 */

import { z } from "zod";
import { type Endpoint, unhonouredField } from "./openai_unhonoured.ts";
import type { GenerationRequest } from "./types.ts";

const tokenIds = z.array(z.number().int().nonnegative());

const common = {
  model: z.string().optional(),
  n: z.number().int().min(1).max(1024).default(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  top_k: z.number().int().min(-1).nullish(),
  seed: z.number().int().refine(Number.isSafeInteger, "must be a safe integer").nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
  stop_token_ids: tokenIds.nullish(),
  ignore_eos: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  return_token_ids: z.boolean().nullish(),
  return_tokens_as_token_ids: z.boolean().nullish(),
};

/** A `/v1/completions` body. */
export const completionBodySchema = z.looseObject({
  ...common,
  prompt: z.union([
    z.string(),
    z.array(z.string()).min(1),
    tokenIds.min(1),
    z.array(tokenIds.min(1)).min(1),
  ], { message: "expected a string, a list of strings, token ids, or a list of token-id lists" }),
  max_tokens: z.number().int().min(1).nullish(),
  logprobs: z.number().int().min(0).max(20).nullish(),
}).superRefine(refuseUnhonoured("completions"));

const contentPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const chatMessage = z.looseObject({
  role: z.enum(["system", "user", "assistant", "tool", "developer"]),
  content: z.union([z.string(), z.array(contentPart), z.null()], {
    message: "expected a string or a list of text parts",
  }).optional(),
});

/** A `/v1/chat/completions` body. */
export const chatBodySchema = z.looseObject({
  ...common,
  messages: z.array(chatMessage).min(1),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
}).refine((b) => !b.top_logprobs || b.logprobs, {
  message: "top_logprobs: needs logprobs = true",
  path: ["top_logprobs"],
}).superRefine(refuseUnhonoured("chat"));

/** A zod refinement adding an issue for the first field the server would not honour. */
function refuseUnhonoured(endpoint: Endpoint) {
  return (body: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const bad = unhonouredField(body, endpoint);
    if (bad) ctx.addIssue({ code: "custom", message: bad.message, path: [bad.field] });
  };
}

/** A parsed completions body. */
export type CompletionBody = z.infer<typeof completionBodySchema>;
/** A parsed chat body. */
export type ChatBody = z.infer<typeof chatBodySchema>;

/** Default `max_tokens` of `/v1/completions` (OpenAI's). */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

/**
 * Parses a body with a schema; on failure the message names the field.
 *
 * @param schema the schema
 * @param body the JSON value
 * @returns the data, or the message of the first issue and the field it names
 */
export function parseBody<T>(
  schema: z.ZodType<T>,
  body: unknown,
): { ok: true; data: T } | { ok: false; message: string; param: string | null } {
  const r = schema.safeParse(body);
  if (r.success) return { ok: true, data: r.data };
  const issue = r.error.issues[0];
  const path = issue.path.join(".");
  const msg = issue.message.startsWith(`${path}:`)
    ? issue.message
    : `${path || "body"}: ${issue.message}`;
  return { ok: false, message: msg, param: path || null };
}

function sampling(b: CompletionBody | ChatBody): Omit<GenerationRequest, "prompt"> {
  const r: GenerationRequest = { n: b.n };
  if (b.temperature != null) r.temperature = b.temperature;
  if (b.top_p != null) r.topP = b.top_p;
  if (b.top_k != null && b.top_k > 0) r.topK = b.top_k;
  if (b.seed != null) r.seed = b.seed;
  if (b.stop != null) r.stop = (typeof b.stop === "string" ? [b.stop] : b.stop).filter((s) => s);
  if (b.stop_token_ids != null) r.stopTokenIds = b.stop_token_ids;
  if (b.ignore_eos) r.ignoreEos = true;
  return r;
}

/**
 * The generation requests of a completions body: one per prompt (a list of prompts gives
 * `len * n` choices, prompt-major, as in OpenAI's API).
 *
 * @param b the parsed body
 * @returns the requests
 */
export function completionRequests(b: CompletionBody): GenerationRequest[] {
  const base = sampling(b);
  base.maxTokens = b.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS;
  if (b.logprobs != null) base.topLogprobs = b.logprobs;
  const p = b.prompt;
  if (typeof p === "string") return [{ ...base, prompt: p }];
  if (typeof p[0] === "number") return [{ ...base, promptIds: p as number[] }];
  return (p as (string | number[])[]).map((one) =>
    typeof one === "string" ? { ...base, prompt: one } : { ...base, promptIds: one }
  );
}

/**
 * The generation request of a chat body (content parts are joined; `max_tokens` unset means
 * the rest of the context).
 *
 * @param b the parsed body
 * @returns the request
 */
export function chatRequest(b: ChatBody): GenerationRequest {
  const r = sampling(b);
  const max = b.max_completion_tokens ?? b.max_tokens;
  if (max != null) r.maxTokens = max;
  if (b.logprobs) r.topLogprobs = b.top_logprobs ?? 0;
  r.messages = b.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === "string"
      ? m.content
      : (m.content ?? []).map((part) => part.text).join(""),
  }));
  return r;
}
