/**
 * The OpenAI and vLLM request fields the kit's server cannot honour, in one table. A body that
 * sets one of them to anything but its no-op value (`logit_bias: {}`, `min_p: 0`,
 * `repetition_penalty: 1`, `response_format: {"type": "text"}`, ...) is refused with a 400
 * naming the field, rather than answered as if the field had been applied. `null` and an
 * absent field are always accepted. Fields that change nothing about the samples (`user`,
 * `metadata`, `store`, `parallel_tool_calls`) are ignored, as vLLM ignores unknown fields.
 *
 * @module
 */

/** The two sampling endpoints. */
export type Endpoint = "completions" | "chat";

/** A field the server refuses unless it holds a no-op value. */
export interface UnhonouredField {
  /** The body field. */
  field: string;
  /** The endpoints whose bodies can carry it. */
  endpoints: readonly Endpoint[];
  /** The values let through, in words (shown in the error). */
  accepted: string;
  /** Whether `value` (never null or undefined) is a no-op for this body. */
  accepts: (value: unknown, body: Readonly<Record<string, unknown>>) => boolean;
}

const both: readonly Endpoint[] = ["completions", "chat"];
const isEmptyObject = (v: unknown) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
const is = (noop: unknown) => (v: unknown) => v === noop;
const streaming = (b: Readonly<Record<string, unknown>>) => b.stream === true;

/** Every refused field, with the values that are let through. */
export const UNHONOURED_FIELDS: readonly UnhonouredField[] = [
  { field: "logit_bias", endpoints: both, accepted: "{}", accepts: isEmptyObject },
  { field: "min_p", endpoints: both, accepted: "0", accepts: is(0) },
  { field: "repetition_penalty", endpoints: both, accepted: "1", accepts: is(1) },
  { field: "frequency_penalty", endpoints: both, accepted: "0", accepts: is(0) },
  { field: "presence_penalty", endpoints: both, accepted: "0", accepts: is(0) },
  {
    field: "response_format",
    endpoints: both,
    accepted: '{"type": "text"}',
    accepts: (v) => (v as { type?: unknown })?.type === "text" && Object.keys(v!).length === 1,
  },
  { field: "min_tokens", endpoints: both, accepted: "0", accepts: is(0) },
  { field: "use_beam_search", endpoints: both, accepted: "false", accepts: is(false) },
  { field: "prompt_logprobs", endpoints: both, accepted: "null", accepts: () => false },
  { field: "guided_json", endpoints: both, accepted: "null", accepts: () => false },
  { field: "guided_regex", endpoints: both, accepted: "null", accepts: () => false },
  { field: "guided_choice", endpoints: both, accepted: "null", accepts: () => false },
  { field: "guided_grammar", endpoints: both, accepted: "null", accepts: () => false },
  { field: "echo", endpoints: ["completions"], accepted: "false", accepts: is(false) },
  { field: "suffix", endpoints: ["completions"], accepted: '""', accepts: is("") },
  {
    field: "best_of",
    endpoints: ["completions"],
    accepted: "the value of n",
    accepts: (v, b) => v === (b.n ?? 1),
  },
  {
    field: "tools",
    endpoints: ["chat"],
    accepted: "[]",
    accepts: (v) => Array.isArray(v) && v.length === 0,
  },
  {
    field: "tool_choice",
    endpoints: ["chat"],
    accepted: '"none" or "auto" (no tools)',
    accepts: (v) => v === "none" || v === "auto",
  },
  { field: "add_generation_prompt", endpoints: ["chat"], accepted: "true", accepts: is(true) },
  { field: "continue_final_message", endpoints: ["chat"], accepted: "false", accepts: is(false) },
  {
    field: "logprobs",
    endpoints: ["completions"],
    accepted: "null when stream is true",
    accepts: (_, b) => !streaming(b),
  },
  {
    field: "logprobs",
    endpoints: ["chat"],
    accepted: "false when stream is true",
    accepts: (v, b) => !streaming(b) || v === false,
  },
  {
    field: "return_token_ids",
    endpoints: both,
    accepted: "false when stream is true",
    accepts: (v, b) => !streaming(b) || v === false,
  },
  {
    field: "stream_options",
    endpoints: both,
    accepted: "only with stream: true",
    accepts: (_, b) => streaming(b),
  },
];

/**
 * The first field of a body that the server would not honour.
 *
 * @param body the request body (after its schema)
 * @param endpoint which endpoint it was sent to
 * @returns the field and a message naming it, or null when everything is honoured
 */
export function unhonouredField(
  body: Readonly<Record<string, unknown>>,
  endpoint: Endpoint,
): { field: string; message: string } | null {
  for (const f of UNHONOURED_FIELDS) {
    const value = body[f.field];
    if (value == null || !f.endpoints.includes(endpoint) || f.accepts(value, body)) continue;
    return {
      field: f.field,
      message: `${f.field}: ${brief(value)} is not supported by this server ` +
        `(accepted: ${f.accepted})`,
    };
  }
  return null;
}

/** A value as short JSON for an error message. */
function brief(value: unknown): string {
  const json = JSON.stringify(value);
  return json.length <= 60 ? json : `${json.slice(0, 57)}...`;
}
