/**
 * The batched sampler: continuous batching over a {@link StepModel} with a host-side
 * {@link KvCache}.
 *
 * Every `generate()` call turns its requests into sequences (n per request) and queues them.
 * One loop runs while there is work: it admits queued sequences up to `maxBatch` rows —
 * prefilling each distinct prompt once (left-padded, in chunks of at most
 * `prefillTokens` padded tokens), sampling each sequence's first token from its prompt's
 * logits with its own random stream, and copying the prompt's keys/values into a new row per
 * surviving sequence — then runs one decode step for all rows, samples, and drops finished
 * rows from the cache. Calls that arrive while the loop runs join the batch at the next step,
 * so concurrent server requests share decode steps.
 *
 * A cancelled call (its signal aborted) leaves the batch at the next step: its queued
 * sequences are never prefilled, its rows are removed before the next decode, and a prefill
 * already running for it is discarded. With `onText`, each sequence's text is handed out as it
 * becomes final (see `StopWatcher.takeText`).
 *
 * Position ids are the masked cumulative sum (`cumsum(mask) - 1`): each row's first real
 * prompt token is position 0 whatever the padding.
 *
 * @module
 */

import type { ModelConfig } from "../model/config.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import type { StepModel } from "./decode_model.ts";
import { KvCache } from "./kv_cache.ts";
import { prefillChunks, prefillInput } from "./prefill.ts";
import type { ProgressSink } from "./progress.ts";
import { resolveRequest } from "./request.ts";
import { createGroup, type Sequence, type SequenceGroup } from "./sequence.ts";
import {
  checkRequests,
  type GenerateOptions,
  type GenerationRequest,
  type GenerationResult,
} from "./types.ts";

/** Options of {@link RolloutEngine}. */
export interface EngineOptions {
  /** Most sequences decoded together. @default 32 */
  maxBatch?: number;
  /** Context length (prompt + response). @default the config's max_position_embeddings */
  maxModelLen?: number;
  /** Most padded prompt tokens per prefill call. @default 4096 */
  prefillTokens?: number;
  /** Receives progress snapshots (see `stderrProgress()`). @default none */
  progress?: ProgressSink;
}

/** Work done since the engine was created. */
export interface EngineStats {
  prefillCalls: number;
  /** Prompt tokens prefilled (distinct prompts, unpadded). */
  prefillTokens: number;
  prefillMs: number;
  decodeSteps: number;
  /** Tokens sampled (first tokens included). */
  generatedTokens: number;
  decodeMs: number;
  /** Of `decodeMs`, the time inside the model's decode calls (the rest is host work). */
  decodeModelMs: number;
}

/** Continuous-batching sampler over one model. */
export class RolloutEngine {
  #model: StepModel;
  readonly #tokenizer: Tokenizer;
  readonly #maxBatch: number;
  readonly #prefillTokens: number;
  readonly #progress: ProgressSink | undefined;
  /** Context length in tokens. */
  readonly maxModelLen: number;
  #queue: Sequence[] = [];
  #active: Sequence[] = [];
  /** Groups not finished yet (rejected together if the model fails). */
  readonly #open = new Set<SequenceGroup>();
  #cache: KvCache;
  /** The running loop; cleared synchronously when it stops taking work. */
  #loop: Promise<void> | null = null;
  /** Set while {@link rebuildModel} has no model to run; new work waits for it. */
  #rebuilding: Promise<void> | null = null;
  #busy = { start: 0, submitted: 0, finished: 0, tokens: 0 };
  readonly #stats: EngineStats = {
    prefillCalls: 0,
    prefillTokens: 0,
    prefillMs: 0,
    decodeSteps: 0,
    generatedTokens: 0,
    decodeMs: 0,
    decodeModelMs: 0,
  };

  /**
   * @param model the model to sample from
   * @param tokenizer its tokenizer (prompts, text, stop strings, eos ids)
   * @param options batch size, context length, progress
   */
  constructor(model: StepModel, tokenizer: Tokenizer, options: EngineOptions = {}) {
    this.#model = model;
    this.#tokenizer = tokenizer;
    this.#maxBatch = options.maxBatch ?? 32;
    this.#prefillTokens = options.prefillTokens ?? 4096;
    this.#progress = options.progress;
    this.maxModelLen = options.maxModelLen ?? model.config.maxPositionEmbeddings;
    this.#cache = new KvCache(this.#dims());
  }

  #dims() {
    const c = this.#model.config;
    return { layers: c.numHiddenLayers, heads: c.numKeyValueHeads, headDim: c.headDim };
  }

  /** The model in use. */
  get model(): StepModel {
    return this.#model;
  }

  /** A copy of the work counters. */
  stats(): EngineStats {
    return { ...this.#stats };
  }

  /**
   * Samples every request (see {@link Generator.generate}).
   *
   * @param requests the requests
   * @param options an abort signal, a text callback
   * @returns one result per request, in order
   */
  generate(
    requests: readonly GenerationRequest[],
    options: GenerateOptions = {},
  ): Promise<GenerationResult[]> {
    let groups: SequenceGroup[];
    const results: GenerationResult[] = [];
    let resolve!: (r: GenerationResult[]) => void, reject!: (e: unknown) => void;
    const done = new Promise<GenerationResult[]>((res, rej) => [resolve, reject] = [res, rej]);
    try {
      options.signal?.throwIfAborted();
      const limits = {
        tokenizer: this.#tokenizer,
        vocabSize: this.#model.config.vocabSize,
        maxModelLen: this.maxModelLen,
      };
      const resolved = checkRequests(requests).map((r, i) => resolveRequest(r, limits, i));
      let left = resolved.length;
      groups = resolved.map((r, i) =>
        createGroup(r, this.#tokenizer, (samples) => {
          results[i] = { promptIds: r.promptIds, samples };
          if (--left === 0) resolve(results);
        }, { requestIndex: i, onText: options.onText })
      );
      if (left === 0) resolve(results);
    } catch (e) {
      return Promise.reject(e);
    }
    for (const g of groups) g.fail = reject;
    const signal = options.signal;
    if (signal) {
      const onAbort = () => {
        for (const g of groups) this.#cancel(g);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const off = () => signal.removeEventListener("abort", onAbort);
      done.then(off, off);
    }
    if (this.#loop === null) {
      this.#busy = { start: performance.now(), submitted: 0, finished: 0, tokens: 0 };
    }
    for (const g of groups) {
      this.#open.add(g);
      this.#queue.push(...g.sequences);
      this.#busy.submitted += g.sequences.length;
    }
    if (groups.length > 0) this.#loop ??= this.#run();
    return done;
  }

  /** Resolves when no work is running (e.g. before swapping the model). */
  async idle(): Promise<void> {
    while (this.#loop) await this.#loop;
  }

  /**
   * Replaces the model with one that `build` makes (after a policy update): waits for the
   * running batch to drain, frees the current model first, then builds the new one. Freeing
   * first lets the new session reuse the memory the old one held, where building first holds
   * both and faults the new one's pages in (the sampler's session of bench config M holds
   * ~340 MB; see `lib/util/malloc.ts`). Work submitted meanwhile waits for the new model. If
   * `build` fails, that error is thrown here and every later call fails with it.
   *
   * @param build makes the new model (same architecture)
   */
  async rebuildModel(build: () => Promise<StepModel>): Promise<void> {
    await this.idle();
    const old = this.#model;
    let rebuilt!: () => void;
    this.#rebuilding = new Promise((resolve) => rebuilt = resolve);
    try {
      await old.release();
      this.#model = await build();
    } catch (e) {
      this.#model = unusableModel(old.config, e);
      throw e;
    } finally {
      this.#cache = new KvCache(this.#dims());
      this.#rebuilding = null;
      rebuilt();
    }
  }

  async #run(): Promise<void> {
    await Promise.resolve(); // let the caller store the loop before it can end
    try {
      if (this.#rebuilding) await this.#rebuilding;
      while (this.#queue.length > 0 || this.#active.length > 0) {
        await this.#admit();
        if (this.#active.length > 0) await this.#step();
      }
      this.#loop = null; // synchronously with the last check: later calls start a new loop
    } catch (e) {
      this.#loop = null;
      const groups = [...this.#open];
      this.#open.clear();
      this.#queue = [];
      this.#active = [];
      this.#cache = new KvCache(this.#dims());
      for (const g of groups) g.fail?.(e);
    }
    this.#report(true);
  }

  /** Marks a group cancelled: its sequences leave the queue and the batch at the next step. */
  #cancel(g: SequenceGroup): void {
    g.cancelled = true;
    this.#open.delete(g);
  }

  /** Hands a sequence's new text to its caller; a callback that throws fails its call only. */
  #emit(seq: Sequence): void {
    try {
      seq.emitText();
    } catch (e) {
      this.#cancel(seq.group);
      seq.group.fail?.(e);
    }
  }

  /** Moves queued sequences into the batch (prefill + first token). */
  async #admit(): Promise<void> {
    this.#queue = this.#queue.filter((s) => !s.group.cancelled);
    const free = this.#maxBatch - this.#active.length;
    if (free <= 0 || this.#queue.length === 0) return;
    const admitted = this.#queue.splice(0, free);
    const groups = [...new Set(admitted.map((s) => s.group))];
    let joining: { seq: Sequence; newKv: Float32Array[]; width: number; row: number }[] = [];
    const V = this.#model.config.vocabSize;
    for (const chunk of prefillChunks(groups, this.#prefillTokens)) {
      const t0 = performance.now();
      const out = await this.#model.run(prefillInput(chunk, this.#model.config.numHiddenLayers));
      this.#stats.prefillMs += performance.now() - t0;
      this.#stats.prefillCalls++;
      for (const g of chunk.groups) this.#stats.prefillTokens += g.request.promptIds.length;
      chunk.groups.forEach((g, u) => {
        const probs = out.probs.subarray(u * V, (u + 1) * V);
        for (const seq of admitted) {
          if (seq.group !== g || g.cancelled) continue; // cancelled during the prefill
          this.#count(1);
          const finished = seq.advance(probs);
          this.#emit(seq);
          if (finished) this.#finishSequence(seq);
          else if (!g.cancelled) {
            joining.push({ seq, newKv: out.newKv, width: chunk.width, row: u });
          }
        }
      });
    }
    joining = joining.filter((j) => !j.seq.group.cancelled); // cancelled during a later chunk
    if (joining.length === 0) return;
    const keep = this.#active.map((_, i) => i);
    const longest = Math.max(...joining.map((j) => j.seq.group.request.promptIds.length));
    this.#cache.rebuild(keep, joining.length, longest + 1);
    joining.forEach(({ seq, newKv, width, row }, k) => {
      const len = seq.group.request.promptIds.length;
      this.#cache.appendColumns(keep.length + k, newKv, row, width, width - len, len);
      this.#active.push(seq);
    });
  }

  /** Removes the rows of cancelled calls from the batch and the cache. */
  #dropCancelled(): void {
    const keep = this.#active.flatMap((s, b) => s.group.cancelled ? [] : [b]);
    if (keep.length === this.#active.length) return;
    this.#cache.rebuild(keep, 0);
    this.#active = keep.map((b) => this.#active[b]);
  }

  /** One decode step over every row. */
  async #step(): Promise<void> {
    this.#dropCancelled();
    if (this.#active.length === 0) return;
    const t0 = performance.now();
    const cache = this.#cache, B = this.#active.length;
    cache.ensureCapacity(Math.max(...cache.lengths) + 1);
    const ids = BigInt64Array.from(this.#active, (s) => BigInt(s.lastId));
    const pos = BigInt64Array.from(cache.lengths, (n) => BigInt(n));
    const tm = performance.now();
    const out = await this.#model.run({
      inputIds: ids,
      positionIds: pos,
      attentionMask: cache.stepMask(1),
      batch: B,
      seq: 1,
      past: cache.arrays,
      pastLength: cache.capacity,
      temperature: Float32Array.from(this.#active, (s) => s.graphTemperature),
    });
    this.#stats.decodeModelMs += performance.now() - tm;
    cache.appendStep(out.newKv);
    const V = this.#model.config.vocabSize;
    const keep: number[] = [];
    this.#active.forEach((seq, b) => {
      if (seq.group.cancelled) return; // cancelled during the step
      this.#count(1);
      const finished = seq.advance(out.probs.subarray(b * V, (b + 1) * V));
      this.#emit(seq);
      if (finished) this.#finishSequence(seq);
      else if (!seq.group.cancelled) keep.push(b);
    });
    if (keep.length < B) {
      this.#cache.rebuild(keep, 0);
      this.#active = keep.map((b) => this.#active[b]);
    }
    this.#stats.decodeSteps++;
    this.#stats.decodeMs += performance.now() - t0;
    this.#report(false);
  }

  #count(tokens: number): void {
    this.#stats.generatedTokens += tokens;
    this.#busy.tokens += tokens;
  }

  #finishSequence(seq: Sequence): void {
    this.#busy.finished++;
    const g = seq.group;
    if (g.remaining > 0) return;
    this.#open.delete(g);
    if (!g.cancelled) g.onDone(g.sequences.map((s) => s.result()));
  }

  #report(final: boolean): void {
    if (!this.#progress || this.#busy.submitted === 0) return;
    this.#progress({
      finished: this.#busy.finished,
      submitted: this.#busy.submitted,
      active: this.#active.length,
      tokens: this.#busy.tokens,
      elapsed: (performance.now() - this.#busy.start) / 1000,
      final,
    });
  }
}

/** The model after a failed {@link RolloutEngine.rebuildModel}: every call reports why. */
function unusableModel(config: ModelConfig, cause: unknown): StepModel {
  const fail = () =>
    Promise.reject(
      new Error(`the sampler's model could not be rebuilt: ${(cause as Error)?.message ?? cause}`, {
        cause,
      }),
    );
  return { config, run: fail, release: () => Promise.resolve() };
}
