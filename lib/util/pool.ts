/**
 * Bounded concurrency: a FIFO counting semaphore and `mapPool`, which maps an async function
 * over a list with a bounded number of calls in flight.
 *
 * @module
 */

/** A counting semaphore: at most `size` tasks inside `run()` at once, FIFO. */
export class Semaphore {
  #free: number;
  #waiting: (() => void)[] = [];

  /** @param size how many tasks may run at once (>= 1) */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new Error(`Semaphore size must be >= 1, got ${size}`);
    }
    this.#free = size;
  }

  /**
   * Runs `fn` once a slot is free.
   *
   * @param fn the task
   * @returns what `fn` returns
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/**
 * Maps `fn` over `items` with at most `concurrency` calls in flight, keeping input order.
 *
 * @param items the inputs
 * @param concurrency the maximum number of concurrent calls
 * @param fn the async function
 * @returns the results, in the order of `items`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapPool } from "./pool.ts";
 * assert.deepEqual(await mapPool([1, 2, 3], 2, async (x) => x * 2), [2, 4, 6]);
 * ```
 */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}
