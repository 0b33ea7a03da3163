/**
 * The contract between what needs samples (evaluation, RL rollouts) and what makes them: the
 * kit's own batched KV-cache sampler (`LocalGenerator` in this thread, `WorkerGenerator` in a
 * Worker) or any OpenAI-compatible server (vLLM, SGLang, the kit's own `deno task serve`)
 * through `OpenAIClientGenerator`. All implement
 * {@link Generator}, so a caller never knows which one it has.
 *
 * Behaviour log-probabilities: `Sample.logprobs[i]` is `log softmax(z / T)[token]`, where `z`
 * are the model's logits at that step and `T` the request's temperature (`T = 1` for greedy
 * requests, temperature 0), taken *before* top-k / top-p truncation. This is what a trainer
 * recomputes when it divides its logits by the rollout temperature (verl's actor does), so PPO
 * ratios start at 1. vLLM's default (`logprobs_mode=raw_logprobs`) ignores the temperature;
 * the two agree at temperature 1 and without truncation.
 *
 * @module
 */

import { z } from "zod";
import type { ChatMessage } from "../tokenizer/mod.ts";

/** Why a sample ended: a stop token or stop string (`stop`), or the token budget (`length`). */
export type FinishReason = "stop" | "length";

/**
 * One prompt and how to sample from it. Give exactly one of `prompt` (completion text, encoded
 * with the tokenizer's special tokens, e.g. Llama's BOS), `promptIds` (token ids, used as is)
 * or `messages` (rendered with the chat template and its generation prompt).
 */
export interface GenerationRequest {
  /** Completion prompt text. */
  prompt?: string;
  /** Prompt token ids. */
  promptIds?: readonly number[];
  /** A conversation for the chat template. */
  messages?: readonly ChatMessage[];
  /** Samples to draw from this prompt. @default 1 */
  n?: number;
  /** Most new tokens per sample. @default the rest of the context */
  maxTokens?: number;
  /** Softmax temperature; 0 means greedy (argmax, ties to the lowest id). @default 1 */
  temperature?: number;
  /** Nucleus sampling: keep the most likely tokens whose mass reaches `topP`. @default 1 (off) */
  topP?: number;
  /** Keep only the `topK` most likely tokens (ties kept); 0 turns it off. @default 0 */
  topK?: number;
  /**
   * Seed of this request's random streams (sample `i` draws from its own stream, derived from
   * `seed` and `i`): the same seed gives the same tokens whatever else is in the batch.
   * @default a random seed
   */
  seed?: number;
  /** Strings that end a sample; the text stops before the match. @default [] */
  stop?: readonly string[];
  /** Token ids that end a sample besides the tokenizer's eos ids. @default [] */
  stopTokenIds?: readonly number[];
  /** Do not stop at the eos ids (stop strings and `stopTokenIds` still apply). @default false */
  ignoreEos?: boolean;
  /** Also return this many most likely alternatives per step (0-20). @default 0 */
  topLogprobs?: number;
}

/** A token id and its log-probability. */
export interface TokenLogprob {
  id: number;
  logprob: number;
}

/** One sampled response. */
export interface Sample {
  /**
   * The generated ids, including the stop token when a stop token ended the sample (so a
   * trainer sees the model choosing to stop), and the token that completed a stop string.
   */
  responseIds: number[];
  /** The response text: special tokens skipped, stop token and stop string excluded. */
  text: string;
  /** Behaviour log-probability of each response id (see the module doc for which). */
  logprobs: number[];
  /** Per step, the `topLogprobs` most likely ids (only when requested). */
  topLogprobs?: TokenLogprob[][];
  /** Why it ended. */
  finishReason: FinishReason;
  /** The stop string or stop token id that ended it, or null (length, or unknown). */
  stopReason: string | number | null;
}

/** The samples of one request. */
export interface GenerationResult {
  /** The prompt as the model saw it. */
  promptIds: number[];
  /** `n` samples, in order. */
  samples: Sample[];
}

/**
 * New text of one sample while it is generated (see {@link GenerateOptions.onText}). The
 * `text` pieces of a sample, in order, concatenate to its final `Sample.text`: text that a
 * stop string may still remove is held back until it cannot, and so is an incomplete
 * multi-byte character.
 */
export interface TextDelta {
  /** Index of the request in the `generate()` call. */
  request: number;
  /** Index of the sample in its request (0 to n - 1). */
  sample: number;
  /** Text that follows the sample's earlier pieces (may be "" on the last delta). */
  text: string;
  /** Set on the sample's last delta: why it ended. */
  finishReason: FinishReason | null;
  /** On the last delta: the stop string or stop token id that ended it, or null. */
  stopReason: string | number | null;
}

/** Per-call options of {@link Generator.generate}. */
export interface GenerateOptions {
  /** Cancels the call (its requests are dropped from the batch at the next step). */
  signal?: AbortSignal;
  /**
   * Receives each sample's text as it is generated, and a last delta with its finish reason
   * when it ends (before the call resolves). Set, the sampler decodes incrementally.
   * @default none
   */
  onText?: (delta: TextDelta) => void;
}

/**
 * Anything that turns requests into samples. Results come back in request order, one
 * {@link GenerationResult} per request with `n` samples each. Errors in a request (bad
 * fields, too long for the context) reject the call with a {@link GenerationError}.
 */
export interface Generator {
  /** The model's name (directory name, or the served model id). */
  readonly model: string;
  /** Context length in tokens (prompt + response), or null when unknown. */
  readonly maxModelLen: number | null;
  /** Samples every request. */
  generate(
    requests: readonly GenerationRequest[],
    options?: GenerateOptions,
  ): Promise<GenerationResult[]>;
  /** Releases sessions, workers or connections. */
  close(): Promise<void>;
}

/** Error kinds a {@link Generator} reports about a request (HTTP 400 from a server). */
export type GenerationErrorCode = "invalid_request" | "context_length_exceeded";

/** A request the generator refuses: malformed, or longer than the context. */
export class GenerationError extends Error {
  /**
   * @param code what is wrong
   * @param message what was expected, naming the field
   */
  constructor(readonly code: GenerationErrorCode, message: string) {
    super(message);
    this.name = "GenerationError";
  }
}

const tokenId = z.number().int().nonnegative();
const messageSchema = z.looseObject({ role: z.string(), content: z.string() });

/** zod schema of a {@link GenerationRequest}; unknown fields are refused. */
export const generationRequestSchema = z.strictObject({
  prompt: z.string().optional(),
  promptIds: z.array(tokenId).optional(),
  messages: z.array(messageSchema).min(1).optional(),
  n: z.number().int().min(1).max(65536).optional(),
  maxTokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(100).optional(),
  topP: z.number().gt(0).max(1).optional(),
  topK: z.number().int().min(0).optional(),
  seed: z.number().int().refine(Number.isSafeInteger, "must be a safe integer").optional(),
  stop: z.array(z.string().min(1)).optional(),
  stopTokenIds: z.array(tokenId).optional(),
  ignoreEos: z.boolean().optional(),
  topLogprobs: z.number().int().min(0).max(20).optional(),
}).refine(
  (r) => [r.prompt, r.promptIds, r.messages].filter((p) => p !== undefined).length === 1,
  "give exactly one of prompt, promptIds, messages",
);

/**
 * Validates requests at the edge of a generator.
 *
 * @param requests what the caller passed
 * @returns the same requests, checked
 * @throws GenerationError (`invalid_request`) naming the request index and the field
 */
export function checkRequests(requests: readonly unknown[]): GenerationRequest[] {
  if (!Array.isArray(requests)) {
    throw new GenerationError("invalid_request", "generate(): expected an array of requests");
  }
  return requests.map((r, i) => {
    const parsed = generationRequestSchema.safeParse(r);
    if (parsed.success) return parsed.data as GenerationRequest;
    const issue = parsed.error.issues[0];
    const path = issue.path.length ? `.${issue.path.join(".")}` : "";
    throw new GenerationError("invalid_request", `request ${i}${path}: ${issue.message}`);
  });
}
