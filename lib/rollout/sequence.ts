/**
 * One sample being generated: its random stream, sampling rules, tokens, behaviour
 * log-probabilities and stop state; and the request group it belongs to.
 *
 * @module
 */

import type { Tokenizer } from "../tokenizer/mod.ts";
import { Rng } from "../util/rng.ts";
import { samplingRules } from "./processors.ts";
import { type ResolvedRequest, sampleSeed } from "./request.ts";
import { chooseToken, type SamplingRules } from "./sample.ts";
import { StopWatcher } from "./stop.ts";
import type { FinishReason, Sample, TextDelta, TokenLogprob } from "./types.ts";

/** The samples of one request, and where its result goes. */
export interface SequenceGroup {
  request: ResolvedRequest;
  rules: SamplingRules;
  sequences: Sequence[];
  /** Samples not finished yet. */
  remaining: number;
  /** Called once, when every sample has finished. */
  onDone: (samples: Sample[]) => void;
  /** Set when the caller gave up; its sequences are dropped. */
  cancelled: boolean;
  /** Rejects the caller's call (the model failed). */
  fail?: (error: unknown) => void;
  /** Receives the samples' text as it becomes final (streaming callers only). */
  onText?: (delta: TextDelta) => void;
  /** The request's index in its `generate()` call. */
  requestIndex: number;
}

/** Options of {@link createGroup}. */
export interface GroupOptions {
  /** The request's index in its `generate()` call. @default 0 */
  requestIndex?: number;
  /** Streams the samples' text (the watchers decode incrementally). @default none */
  onText?: (delta: TextDelta) => void;
}

/**
 * Makes the group of a resolved request, with one sequence per sample.
 *
 * @param request the resolved request
 * @param tokenizer for decoding and stop strings
 * @param onDone receives the samples when all have finished
 * @param options the request's index, a text callback
 * @returns the group
 */
export function createGroup(
  request: ResolvedRequest,
  tokenizer: Tokenizer,
  onDone: (samples: Sample[]) => void,
  options: GroupOptions = {},
): SequenceGroup {
  const rules: SamplingRules = {
    temperature: request.temperature,
    rules: samplingRules(request),
    topLogprobs: request.topLogprobs,
  };
  const group: SequenceGroup = {
    request,
    rules,
    sequences: [],
    remaining: request.n,
    onDone,
    cancelled: false,
    onText: options.onText,
    requestIndex: options.requestIndex ?? 0,
  };
  for (let i = 0; i < request.n; i++) group.sequences.push(new Sequence(group, i, tokenizer));
  return group;
}

/** One sample in progress. */
export class Sequence {
  readonly #rng: Rng;
  readonly #watcher: StopWatcher;
  /** Prompt and response ids so far (for processors that read them). */
  readonly #ids: number[];
  readonly responseIds: number[] = [];
  readonly logprobs: number[] = [];
  readonly #top: TokenLogprob[][] = [];
  #finish: FinishReason | null = null;
  #stopReason: string | number | null = null;

  /**
   * @param group its request group
   * @param index its sample index in the group
   * @param tokenizer for decoding and stop strings
   */
  constructor(readonly group: SequenceGroup, readonly index: number, tokenizer: Tokenizer) {
    const r = group.request;
    this.#rng = new Rng(sampleSeed(r.seed, index));
    this.#watcher = new StopWatcher(tokenizer, r.stopIds, r.stop, {
      incremental: group.onText !== undefined,
    });
    this.#ids = [...r.promptIds];
  }

  /** Whether it has finished. */
  get finished(): boolean {
    return this.#finish !== null;
  }

  /** The temperature the graph applies for this sequence (1 when greedy). */
  get graphTemperature(): number {
    return this.group.rules.temperature > 0 ? this.group.rules.temperature : 1;
  }

  /** The last sampled id (the next input of the model). */
  get lastId(): number {
    return this.responseIds[this.responseIds.length - 1];
  }

  /**
   * Samples the next token from this step's probabilities and records it; finishes the
   * sequence on a stop token, a stop string, or the token budget.
   *
   * @param probs `softmax(logits / T)` [V] at this sequence's next position
   * @returns whether the sequence has finished
   */
  advance(probs: Float32Array): boolean {
    if (this.#finish !== null) throw new Error("Sequence.advance(): already finished");
    const choice = chooseToken(this.#ids, probs, this.group.rules, this.#rng);
    this.#ids.push(choice.id);
    this.responseIds.push(choice.id);
    this.logprobs.push(choice.logprob);
    if (choice.top) this.#top.push(choice.top);
    const hit = this.#watcher.push(choice.id);
    if (hit) {
      [this.#finish, this.#stopReason] = ["stop", hit.reason];
    } else if (this.responseIds.length >= this.group.request.maxTokens) {
      const late = this.#watcher.finish();
      [this.#finish, this.#stopReason] = late ? ["stop", late.reason] : ["length", null];
    }
    if (this.#finish !== null) this.group.remaining--;
    return this.#finish !== null;
  }

  /**
   * Hands the text that became final since the last call to the group's `onText` (and, once
   * the sequence has finished, a last delta with the finish reason). No-op without `onText`.
   */
  emitText(): void {
    const onText = this.group.onText;
    if (!onText) return;
    const text = this.#watcher.takeText();
    if (text === "" && this.#finish === null) return;
    onText({
      request: this.group.requestIndex,
      sample: this.index,
      text,
      finishReason: this.#finish,
      stopReason: this.#stopReason,
    });
  }

  /** The finished sample. */
  result(): Sample {
    if (this.#finish === null) throw new Error("Sequence.result(): not finished");
    const s: Sample = {
      responseIds: this.responseIds,
      text: this.#watcher.text,
      logprobs: this.logprobs,
      finishReason: this.#finish,
      stopReason: this.#stopReason,
    };
    if (this.group.rules.topLogprobs > 0) s.topLogprobs = this.#top;
    return s;
  }
}
