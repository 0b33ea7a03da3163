/**
 * From a {@link GenerationRequest} to what the sampler runs: the prompt ids (completion text,
 * ids, or chat messages through the chat template), the sampling fields with their defaults,
 * the stop ids, the seed, and the context-length check.
 *
 * @module
 */

import type { Tokenizer } from "../tokenizer/mod.ts";
import { GenerationError, type GenerationRequest } from "./types.ts";

/** The seed of sample `i` of a request: `sampleSeed(request.seed, i)` (lib/util/rng.ts). */
export { sampleSeed } from "../util/rng.ts";

/** A request with every field resolved. */
export interface ResolvedRequest {
  promptIds: number[];
  n: number;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  stop: string[];
  /** Stop ids: the tokenizer's eos ids (unless `ignoreEos`) and the request's own. */
  stopIds: Set<number>;
  topLogprobs: number;
}

/** What {@link resolveRequest} checks against. */
export interface ModelLimits {
  tokenizer: Tokenizer;
  /** Rows of the model's embedding. */
  vocabSize: number;
  /** Context length: prompt + response tokens. */
  maxModelLen: number;
}

/**
 * Renders the prompt of a request to token ids.
 *
 * @param tokenizer the model's tokenizer
 * @param request the request (exactly one of prompt, promptIds, messages)
 * @returns the ids
 */
export function promptIdsOf(tokenizer: Tokenizer, request: GenerationRequest): number[] {
  if (request.promptIds !== undefined) return [...request.promptIds];
  if (request.messages !== undefined) {
    const text = tokenizer.applyChatTemplate(request.messages, { addGenerationPrompt: true });
    return tokenizer.encode(text, { addSpecialTokens: false });
  }
  if (request.prompt !== undefined) return tokenizer.encode(request.prompt);
  throw new GenerationError("invalid_request", "give exactly one of prompt, promptIds, messages");
}

/**
 * Resolves a (schema-checked) request.
 *
 * @param request the request
 * @param limits tokenizer, vocabulary size, context length
 * @param index its position in the call, for messages
 * @returns the resolved request
 * @throws GenerationError for an empty prompt, ids outside the vocabulary, or a prompt plus
 *   `maxTokens` longer than the context (`context_length_exceeded`)
 */
export function resolveRequest(
  request: GenerationRequest,
  limits: ModelLimits,
  index = 0,
): ResolvedRequest {
  const where = `request ${index}`;
  let promptIds: number[];
  try {
    promptIds = promptIdsOf(limits.tokenizer, request);
  } catch (e) {
    if (e instanceof GenerationError) throw e;
    throw new GenerationError("invalid_request", `${where}: ${(e as Error).message}`);
  }
  if (promptIds.length === 0) {
    throw new GenerationError("invalid_request", `${where}: the prompt has no tokens`);
  }
  const bad = promptIds.find((id) => id >= limits.vocabSize);
  if (bad !== undefined) {
    throw new GenerationError(
      "invalid_request",
      `${where}: prompt token id ${bad} is outside the vocabulary (${limits.vocabSize} ids)`,
    );
  }
  const P = promptIds.length, max = limits.maxModelLen;
  const maxTokens = request.maxTokens ?? max - P;
  if (P + maxTokens > max || maxTokens < 1) {
    throw new GenerationError(
      "context_length_exceeded",
      `${where}: this model's maximum context length is ${max} tokens, but the prompt has ${P} ` +
        `tokens and ${request.maxTokens ?? 1} new tokens were requested ` +
        `(${P + (request.maxTokens ?? 1)} in total); shorten the prompt or lower max_tokens`,
    );
  }
  const stopIds = new Set(request.stopTokenIds ?? []);
  if (!request.ignoreEos) { for (const id of limits.tokenizer.eosTokenIds) stopIds.add(id); }
  return {
    promptIds,
    n: request.n ?? 1,
    maxTokens,
    temperature: request.temperature ?? 1,
    topP: request.topP ?? 1,
    topK: request.topK ?? 0,
    seed: request.seed ?? randomSeed(),
    stop: [...(request.stop ?? [])],
    stopIds,
    topLogprobs: request.topLogprobs ?? 0,
  };
}

/** A random 53-bit seed from the platform's CSPRNG. */
export function randomSeed(): number {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 0x100000000 + lo;
}
