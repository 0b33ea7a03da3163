/**
 * A {@link Reward} served by `deno task serve-reward` (or anything speaking its API, see
 * `http_api.ts`): the batch is split into requests of at most `maxItemsPerRequest` items,
 * at most `concurrency` in flight, each with a timeout and retries with backoff on
 * connection errors, timeouts, 5xx and 429 (`lib/util/http_retry.ts`). A 4xx answer (bad
 * body, wrong token, a non-finite reward: 422) fails at once with the server's message.
 *
 * @module
 */

import { mapPool } from "../util/pool.ts";
import { fetchJsonWithRetry, type RetryPolicy } from "../util/http_retry.ts";
import { describeIssue, inputToItem, scoreResponseSchema } from "./http_api.ts";
import type { Reward, RewardCallOptions, RewardInput, RewardOutput } from "./types.ts";

/** Options of {@link RemoteReward}. */
export interface RemoteRewardOptions {
  /** The server's base URL (`http://127.0.0.1:8100`); `/score` is appended. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. @default none */
  token?: string;
  /** Milliseconds per attempt. @default 300000 */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 4 */
  maxRetries?: number;
  /** First backoff in ms (doubles per retry, with jitter). @default 500 */
  retryBaseMs?: number;
  /** Longest backoff in ms. @default 30000 */
  retryMaxMs?: number;
  /** Requests in flight at once. @default 4 */
  concurrency?: number;
  /** Items per request (keep it at or under the server's `--max-items`). @default 64 */
  maxItemsPerRequest?: number;
  /** The name in logs. @default "rm" */
  name?: string;
  /** The fetch function (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Rewards computed by a reward server. */
export class RemoteReward implements Reward {
  readonly name: string;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #policy: RetryPolicy;
  readonly #concurrency: number;
  readonly #chunk: number;

  /** @param options server URL, token, timeouts, retries, concurrency */
  constructor(options: RemoteRewardOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new Error(`reward_model.endpoint: not a URL: ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`reward_model.endpoint: expected http(s)://, got ${options.url}`);
    }
    this.name = options.name ?? "rm";
    this.#url = options.url.replace(/\/+$/, "").replace(/\/score$/, "") + "/score";
    this.#headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.#policy = {
      timeoutMs: options.timeoutMs ?? 300_000,
      maxRetries: options.maxRetries ?? 4,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      fetch: options.fetch,
    };
    this.#concurrency = positive("concurrency", options.concurrency ?? 4);
    this.#chunk = positive("maxItemsPerRequest", options.maxItemsPerRequest ?? 64);
  }

  /**
   * Scores the batch on the server.
   *
   * @param batch the records
   * @param options signal, progress (per finished request)
   * @returns the server's outputs, in input order
   * @throws after the last retry, on a 4xx answer, or on an answer of the wrong shape
   */
  async score(
    batch: readonly RewardInput[],
    options: RewardCallOptions = {},
  ): Promise<RewardOutput[]> {
    const chunks: RewardInput[][] = [];
    for (let i = 0; i < batch.length; i += this.#chunk) {
      chunks.push(batch.slice(i, i + this.#chunk));
    }
    let done = 0;
    const parts = await mapPool(chunks, this.#concurrency, async (chunk) => {
      const raw = await fetchJsonWithRetry({
        method: "POST",
        url: this.#url,
        headers: this.#headers,
        body: { items: chunk.map(inputToItem) },
        signal: options.signal,
      }, this.#policy);
      const parsed = scoreResponseSchema.safeParse(raw);
      if (!parsed.success) {
        throw new Error(`POST ${this.#url}: unexpected answer (${describeIssue(parsed.error)})`);
      }
      if (parsed.data.scores.length !== chunk.length) {
        throw new Error(
          `POST ${this.#url}: ${parsed.data.scores.length} scores for ${chunk.length} items`,
        );
      }
      done += chunk.length;
      options.onProgress?.(done, batch.length);
      return parsed.data.scores;
    });
    return parts.flat();
  }

  /** Nothing to free (connections are per request). */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function positive(field: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`RemoteReward: ${field} must be a positive integer, got ${n}`);
  }
  return n;
}
