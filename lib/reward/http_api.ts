/**
 * The reward server's HTTP API (`deno task serve-reward`), shared by the server and
 * {@link RemoteReward}'s client:
 *
 * `POST /score` with `{"items": [{"messages": [{"role", "content"}], "response": "...",
 * "response_ids"?: [int], "finish_reason"?: "stop"|"length", "max_response_tokens"?: int,
 * "meta"?: {}}]}` answers `{"scores": [{"score": number, "terms": {name: number}}]}` in item
 * order. Defaults: `response_ids` [], `finish_reason` "stop", `max_response_tokens` the
 * length of `response_ids`, `meta` {}.
 *
 * @module
 */

import { z } from "zod";
import type { RewardInput, RewardOutput } from "./types.ts";

const message = z.object({ role: z.string(), content: z.string() }).passthrough();

const item = z.object({
  messages: z.array(message),
  response: z.string(),
  response_ids: z.array(z.number().int().min(0)).optional(),
  finish_reason: z.enum(["stop", "length"]).optional(),
  max_response_tokens: z.number().int().min(0).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

/** The body of `POST /score`. */
export const scoreRequestSchema = z.object({ items: z.array(item) });

/** One item of `POST /score` as JSON. */
export type ScoreItem = z.infer<typeof item>;

/** The answer of `POST /score`. */
export const scoreResponseSchema = z.object({
  scores: z.array(z.object({
    score: z.number().finite(),
    terms: z.record(z.string(), z.number().finite()),
  })),
});

/**
 * A field error in a zod result, as `items[2].response: expected string`.
 *
 * @param error the zod error
 * @returns one line naming the field
 */
export function describeIssue(error: z.ZodError): string {
  const i = error.issues[0];
  const path = i.path.map((p) => typeof p === "number" ? `[${p}]` : `.${String(p)}`).join("")
    .replace(/^\./, "");
  return `${path || "body"}: ${i.message}`;
}

/**
 * The reward input of a request item.
 *
 * @param it the item
 * @returns the record
 */
export function itemToInput(it: ScoreItem): RewardInput {
  const ids = it.response_ids ?? [];
  return {
    messages: it.messages,
    response: it.response,
    responseIds: ids,
    finishReason: it.finish_reason ?? "stop",
    maxResponseTokens: it.max_response_tokens ?? ids.length,
    meta: it.meta ?? {},
  };
}

/**
 * The request item of a reward input.
 *
 * @param r the record
 * @returns the JSON item
 */
export function inputToItem(r: RewardInput): ScoreItem {
  return {
    messages: r.messages.map((m) => ({ role: m.role, content: m.content })),
    response: r.response,
    response_ids: [...r.responseIds],
    finish_reason: r.finishReason,
    max_response_tokens: r.maxResponseTokens,
    meta: { ...r.meta },
  };
}

/**
 * The JSON of one output.
 *
 * @param o the output
 * @returns `{score, terms}`
 */
export function outputToJson(o: RewardOutput): { score: number; terms: Record<string, number> } {
  return { score: o.score, terms: o.terms };
}
