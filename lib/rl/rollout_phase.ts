/**
 * The rollout phase of a step: prompts -> `rollout.n` sampled responses each, with behaviour
 * log-probabilities, through any {@link Generator} (the kit's sampler in this process, or a
 * vLLM/SGLang server through the OpenAI client).
 *
 * Every request is seeded from (`kit.seed`, step, prompt position), so the same step draws the
 * same responses on a rerun or after a resume, whatever else the machine is doing.
 *
 * @module
 */

import { promptIdsOf, sampleSeed } from "../rollout/request.ts";
import type { GenerationRequest, Generator } from "../rollout/types.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import type { PromptRecord } from "./prompts.ts";
import type { RewardInput } from "../reward/types.ts";
import type { RolloutSample } from "./types.ts";

/** A prompt ready for the sampler: its record and its token ids under the chat template. */
export interface TokenizedPrompt extends PromptRecord {
  promptIds: number[];
}

/** How a step samples (verl's `actor_rollout_ref.rollout.*` and `data.max_response_length`). */
export interface RolloutSettings {
  /** Samples per prompt. */
  n: number;
  /** Most response tokens. */
  maxResponseTokens: number;
  /** Sampling temperature (0 or `do_sample: false`: greedy). */
  temperature: number;
  /** Nucleus sampling (1 = off). */
  topP: number;
  /** Top-k (-1 or 0 = off, verl uses -1). */
  topK: number;
  /** Keep sampling past eos. */
  ignoreEos: boolean;
  /** The run's sampling seed (`kit.seed`). */
  seed: number;
}

/**
 * Tokenizes prompts with the policy's chat template and applies `data.max_prompt_length`:
 * drop overlong prompts (`filter_overlong_prompts`), or cut them (`truncation: left|right`),
 * or refuse them (`truncation: error`, naming the prompt's source line).
 *
 * @param records the prompt records
 * @param tokenizer the policy's tokenizer
 * @param options the length limit and what to do beyond it
 * @returns the kept prompts and how many were dropped
 */
export function tokenizePrompts(
  records: readonly PromptRecord[],
  tokenizer: Tokenizer,
  options: { maxPromptLength: number; filterOverlong: boolean; truncation: string },
): { prompts: TokenizedPrompt[]; dropped: number } {
  const prompts: TokenizedPrompt[] = [];
  let dropped = 0;
  for (const r of records) {
    let ids = promptIdsOf(tokenizer, { messages: r.messages });
    if (ids.length > options.maxPromptLength) {
      if (options.filterOverlong) {
        dropped++;
        continue;
      }
      if (options.truncation === "left") ids = ids.slice(ids.length - options.maxPromptLength);
      else if (options.truncation === "right") ids = ids.slice(0, options.maxPromptLength);
      else {
        throw new Error(
          `data.max_prompt_length: the prompt at ${
            r.meta.source ?? `index ${r.meta.index}`
          } has ${ids.length} tokens, more than ${options.maxPromptLength} ` +
            `(set data.filter_overlong_prompts=True or data.truncation=left|right)`,
        );
      }
    }
    prompts.push({ ...r, promptIds: ids });
  }
  return { prompts, dropped };
}

/**
 * The seed of prompt `i`'s request at `step`.
 *
 * @param seed the run's sampling seed
 * @param step the 1-based global step
 * @param i the prompt's position in the step
 * @returns a safe-integer seed
 */
export function requestSeed(seed: number, step: number, i: number): number {
  return sampleSeed(sampleSeed(seed, step), i);
}

/**
 * Samples `n` responses for each prompt of a step.
 *
 * @param generator the sampler
 * @param prompts the step's prompts
 * @param settings sampling settings
 * @param step the 1-based global step (seeds)
 * @returns samples, prompt-major (`group` = the prompt's position)
 */
export async function generateRollouts(
  generator: Generator,
  prompts: readonly TokenizedPrompt[],
  settings: RolloutSettings,
  step: number,
): Promise<RolloutSample[]> {
  const requests: GenerationRequest[] = prompts.map((p, i) => ({
    promptIds: p.promptIds,
    n: settings.n,
    maxTokens: settings.maxResponseTokens,
    temperature: settings.temperature,
    topP: settings.topP,
    topK: settings.topK > 0 ? settings.topK : 0,
    ignoreEos: settings.ignoreEos,
    seed: requestSeed(settings.seed, step, i),
  }));
  const results = await generator.generate(requests);
  const out: RolloutSample[] = [];
  results.forEach((r, i) => {
    for (const s of r.samples) {
      if (s.responseIds.length === 0) {
        throw new Error(`rollout: prompt ${i} produced an empty response (no token at all)`);
      }
      out.push({
        group: i,
        messages: prompts[i].messages.map((m) => ({ ...m })),
        promptIds: r.promptIds,
        responseIds: s.responseIds,
        responseText: s.text,
        finishReason: s.finishReason,
        behaviourLogprobs: s.logprobs,
        meta: prompts[i].meta,
      });
    }
  });
  return out;
}

/**
 * The records a reward scores, one per sample.
 *
 * @param samples rollout samples
 * @param maxResponseTokens the sampler's response budget (`data.max_response_length`)
 * @returns reward inputs in sample order
 */
export function rewardInputs(
  samples: readonly RolloutSample[],
  maxResponseTokens: number,
): RewardInput[] {
  return samples.map((s) => ({
    messages: s.messages,
    response: s.responseText,
    responseIds: s.responseIds,
    finishReason: s.finishReason,
    maxResponseTokens,
    meta: s.meta,
  }));
}
