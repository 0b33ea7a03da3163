/**
 * The learned reward model as a {@link Reward}: each record's prompt conversation plus its
 * response is rendered with the **reward model's own** chat template and scored by
 * {@link RewardModel} (length-sorted batches under its row and token budget). Term `rm`.
 *
 * An optional in-memory cache keyed on (prompt messages, response) skips pairs scored before
 * (probe sets, repeated prompts with identical greedy answers); it holds at most
 * `cacheEntries` pairs and forgets the least recently used.
 *
 * @module
 */

import { RewardModel, type RewardModelOptions, type RewardPair } from "./reward_model.ts";
import type { Reward, RewardCallOptions, RewardInput, RewardOutput } from "./types.ts";

/** Options of {@link RmReward}. */
export interface RmRewardOptions {
  /** Keep scores of (messages, response) pairs in memory. @default false */
  cache?: boolean;
  /** Most pairs the cache holds. @default 100000 */
  cacheEntries?: number;
  /** Release the reward model on {@link RmReward.close}. @default false (true with `load`) */
  ownsModel?: boolean;
}

/** A reward model scoring (prompt, response) pairs. */
export class RmReward implements Reward {
  readonly name = "rm";
  readonly #cache: Map<string, number> | null;
  readonly #cacheEntries: number;
  readonly #owns: boolean;
  #hits = 0;

  /**
   * @param model the loaded reward model
   * @param options cache, ownership
   */
  constructor(readonly model: RewardModel, options: RmRewardOptions = {}) {
    this.#cache = options.cache ? new Map() : null;
    this.#cacheEntries = options.cacheEntries ?? 100_000;
    if (!Number.isInteger(this.#cacheEntries) || this.#cacheEntries < 1) {
      throw new Error(
        `RmReward: cacheEntries must be a positive integer, got ${this.#cacheEntries}`,
      );
    }
    this.#owns = options.ownsModel ?? false;
  }

  /**
   * Loads a reward model directory and wraps it (the reward then owns the model).
   *
   * @param dir the HF seq-cls model directory
   * @param options reward model options (batch size, max length, threads) and cache
   * @returns the reward
   */
  static async load(
    dir: string,
    options: RewardModelOptions & RmRewardOptions = {},
  ): Promise<RmReward> {
    const model = await RewardModel.load(dir, options);
    return new RmReward(model, { ...options, ownsModel: options.ownsModel ?? true });
  }

  /** How many records were answered from the cache so far. */
  get cacheHits(): number {
    return this.#hits;
  }

  /**
   * Scores every record with the reward model.
   *
   * @param batch the records (`messages` and `response` are read)
   * @param options signal, progress
   * @returns `{score, terms: {rm: score}}` per record
   */
  async score(
    batch: readonly RewardInput[],
    options: RewardCallOptions = {},
  ): Promise<RewardOutput[]> {
    options.signal?.throwIfAborted();
    const scores = new Array<number>(batch.length);
    const keys = batch.map((r) => this.#cache ? cacheKey(r) : "");
    const todo: number[] = [];
    batch.forEach((_, i) => {
      const hit = this.#cache?.get(keys[i]);
      if (hit === undefined) todo.push(i);
      else {
        this.#cache!.delete(keys[i]); // refresh its recency
        this.#cache!.set(keys[i], hit);
        scores[i] = hit;
        this.#hits++;
      }
    });
    const hits = batch.length - todo.length;
    if (todo.length > 0) {
      const pairs: RewardPair[] = todo.map((i) => ({
        prompt: [...batch[i].messages],
        response: batch[i].response,
      }));
      const got = await this.model.score(pairs, {
        onProgress: (done) => {
          options.signal?.throwIfAborted();
          options.onProgress?.(hits + done, batch.length);
        },
      });
      todo.forEach((i, k) => {
        scores[i] = got[k].score;
        this.#remember(keys[i], got[k].score);
      });
    } else options.onProgress?.(batch.length, batch.length);
    return scores.map((s) => ({ score: s, terms: { rm: s } }));
  }

  #remember(key: string, score: number): void {
    const cache = this.#cache;
    if (cache === null || !Number.isFinite(score)) return;
    cache.set(key, score);
    if (cache.size > this.#cacheEntries) cache.delete(cache.keys().next().value!);
  }

  /** Releases the reward model when this reward owns it. */
  async close(): Promise<void> {
    if (this.#owns) await this.model.release();
  }
}

function cacheKey(r: RewardInput): string {
  return JSON.stringify([r.messages.map((m) => [m.role, m.content]), r.response]);
}
