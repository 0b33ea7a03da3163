/**
 * Reading OpenAI-compatible responses (completions and chat) back into
 * {@link GenerationResult}s: text, finish reasons, token ids (vLLM's `token_ids` /
 * `prompt_token_ids`, or `token_id:<id>` token strings, or a tokenizer's re-encoding as a last
 * resort), behaviour log-probs and top alternatives.
 *
 * @module
 */

import type { Tokenizer } from "../tokenizer/mod.ts";
import { promptIdsOf } from "./request.ts";
import type {
  FinishReason,
  GenerationRequest,
  GenerationResult,
  Sample,
  TokenLogprob,
} from "./types.ts";

/** One choice of a completions or chat response (OpenAI fields and vLLM extensions). */
export interface Choice {
  index?: number;
  text?: string;
  message?: { content?: string | null };
  finish_reason?: string | null;
  stop_reason?: string | number | null;
  token_ids?: number[];
  prompt_token_ids?: number[];
  logprobs?: {
    tokens?: string[];
    token_logprobs?: (number | null)[];
    top_logprobs?: (Record<string, number> | null)[] | null;
    content?: {
      token: string;
      logprob: number;
      top_logprobs?: { token: string; logprob: number }[];
    }[];
  } | null;
}

/** A completions or chat response body. */
export interface ResponseBody {
  choices?: Choice[];
  prompt_token_ids?: number[];
}

/** The id in a `token_id:<id>` token string, or null. */
function tokenIdOf(token: string): number | null {
  const m = /^token_id:(\d+)$/.exec(token);
  return m ? Number(m[1]) : null;
}

function missingIds(what: string): Error {
  return new Error(
    `the server returned no ${what}: use a server with vLLM's return_token_ids / ` +
      `return_tokens_as_token_ids, pass a tokenizer, or set tokenIds: "optional"`,
  );
}

/**
 * Turns one response into the request's result.
 *
 * @param r the request that was sent
 * @param json the response body
 * @param options chat or completions, a tokenizer for fallbacks, whether ids are required
 * @returns the result
 * @throws when the choice count is off, or (required) ids or log-probs are missing
 */
export function parseResponse(
  r: GenerationRequest,
  json: ResponseBody,
  options: { chat: boolean; tokenizer?: Tokenizer; required: boolean },
): GenerationResult {
  const { chat, required } = options;
  const choices = [...(json.choices ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  if (choices.length !== (r.n ?? 1)) {
    throw new Error(`server returned ${choices.length} choices for n = ${r.n ?? 1}`);
  }
  let promptIds = json.prompt_token_ids ?? choices[0].prompt_token_ids ?? null;
  if (promptIds === null && r.promptIds) promptIds = [...r.promptIds];
  if (promptIds === null && options.tokenizer) promptIds = promptIdsOf(options.tokenizer, r);
  if (promptIds === null && required) throw missingIds("prompt token ids");
  const samples = choices.map((c): Sample => {
    const text = (chat ? c.message?.content : c.text) ?? "";
    const steps = chat
      ? (c.logprobs?.content ?? []).map((e) => ({
        token: e.token,
        logprob: e.logprob,
        top: e.top_logprobs?.map((t) => [t.token, t.logprob] as const),
      }))
      : (c.logprobs?.tokens ?? []).map((token, t) => ({
        token,
        logprob: c.logprobs!.token_logprobs?.[t] ?? NaN,
        top: Object.entries(c.logprobs!.top_logprobs?.[t] ?? {}),
      }));
    let ids = c.token_ids ?? null;
    if (ids === null && steps.length > 0 && steps.every((s) => tokenIdOf(s.token) !== null)) {
      ids = steps.map((s) => tokenIdOf(s.token)!);
    }
    if (ids === null && options.tokenizer) {
      ids = options.tokenizer.encode(text, { addSpecialTokens: false });
      if (typeof c.stop_reason === "number") ids.push(c.stop_reason);
    }
    if (ids === null && required) throw missingIds("response token ids");
    const logprobs = steps.map((s) => s.logprob);
    if (
      required && (logprobs.length !== ids!.length || logprobs.some((x) => !Number.isFinite(x)))
    ) {
      throw missingIds(
        `log-probs of every response token (got ${logprobs.length} for ${ids!.length} ids)`,
      );
    }
    const sample: Sample = {
      responseIds: ids ?? [],
      text,
      logprobs: logprobs.length === (ids ?? []).length ? logprobs : [],
      finishReason: (c.finish_reason === "length" ? "length" : "stop") as FinishReason,
      stopReason: c.stop_reason ?? null,
    };
    if (r.topLogprobs) {
      const top = steps.map((s) =>
        (s.top ?? []).map(([tok, lp]) => ({ id: tokenIdOf(tok), logprob: lp }))
          .filter((x): x is TokenLogprob => x.id !== null)
      );
      if (top.length === sample.responseIds.length) sample.topLogprobs = top;
    }
    return sample;
  });
  return { promptIds: promptIds ?? [], samples };
}
