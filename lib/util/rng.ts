/**
 * A small seeded pseudo-random generator with a serialisable state.
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018) on four 32-bit words, seeded
 * through splitmix32 so that nearby seeds give unrelated streams. Normal samples use
 * the Marsaglia polar method; the second sample of each pair is kept in the state, so a
 * restored generator continues exactly where the saved one stopped.
 *
 * @module
 */

/** The full state of an {@link Rng}; plain JSON, for `trainer_state.json`. */
export interface RngState {
  /** The four xoshiro128** state words (unsigned 32-bit integers). */
  s: [number, number, number, number];
  /** The cached second normal sample of the last Box-Muller pair, or null. */
  spare: number | null;
}

/** One splitmix32 step: returns the next state and its output. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/**
 * Seeded generator of uniform integers, floats and normal samples.
 *
 * @example Same seed, same stream
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { Rng } from "./rng.ts";
 * deepStrictEqual(new Rng(7).float(), new Rng(7).float());
 * ```
 */
export class Rng {
  // The four state words, held as int32 numbers (V8 keeps them unboxed).
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;
  #spare: number | null = null;

  /**
   * Creates a generator from an integer seed (any safe integer; only its low 53 bits matter).
   *
   * @param seed the seed
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`Rng: seed must be a safe integer, got ${seed}`);
    }
    // Mix both halves of the seed so seeds above 2^32 differ from their low word.
    let st = (seed >>> 0) ^ Math.imul(Math.floor(seed / 0x100000000) >>> 0, 0x27d4eb2f);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(st);
      st = next;
      words.push(out);
    }
    if (!words.some((w) => w !== 0)) words[0] = 1;
    [this.#a, this.#b, this.#c, this.#d] = words.map((w) => w | 0);
  }

  /**
   * Rebuilds a generator from a saved state.
   *
   * @param state a state from {@link Rng.getState}
   * @returns a generator that continues the saved stream
   */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** @returns a copy of the current state (plain JSON). */
  getState(): RngState {
    return { s: [this.#a >>> 0, this.#b >>> 0, this.#c >>> 0, this.#d >>> 0], spare: this.#spare };
  }

  /**
   * Replaces the state with a saved one.
   *
   * @param state a state from {@link Rng.getState}
   */
  setState(state: RngState): void {
    const ok = Array.isArray(state?.s) && state.s.length === 4 &&
      state.s.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      state.s.some((w) => w !== 0) &&
      (state.spare === null || typeof state.spare === "number");
    if (!ok) {
      throw new Error(
        `Rng.setState: expected {s: four uint32 (not all 0), spare}, got ${JSON.stringify(state)}`,
      );
    }
    [this.#a, this.#b, this.#c, this.#d] = state.s.map((w) => w | 0);
    this.#spare = state.spare;
  }

  /** @returns the next uniform unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** @returns a uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * Draws a uniform integer in [0, n) without modulo bias.
   *
   * @param n the exclusive upper bound, 1 <= n <= 2^32
   * @returns the integer
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Draws a pair of independent standard normals (Marsaglia polar method) into #z0/#z1. */
  #pair(): void {
    let u: number, v: number, s: number;
    do {
      u = 2 * this.float() - 1;
      v = 2 * this.float() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.#z0 = u * m;
    this.#z1 = v * m;
  }

  #z0 = 0;
  #z1 = 0;

  /**
   * Draws a normal sample.
   *
   * @param mean the mean @default 0
   * @param std the standard deviation @default 1
   * @returns the sample
   */
  normal(mean = 0, std = 1): number {
    if (this.#spare !== null) {
      const z = this.#spare;
      this.#spare = null;
      return mean + std * z;
    }
    this.#pair();
    this.#spare = this.#z1;
    return mean + std * this.#z0;
  }

  /**
   * Fills an array with normal samples (the same values as `out.length` calls of `normal()`).
   *
   * @param out the array to fill
   * @param std the standard deviation @default 1
   * @param mean the mean @default 0
   * @returns `out`
   */
  fillNormal<T extends Float32Array | Float64Array>(out: T, std = 1, mean = 0): T {
    let i = 0;
    if (out.length > 0 && this.#spare !== null) out[i++] = this.normal(mean, std);
    for (; i + 1 < out.length; i += 2) {
      this.#pair();
      out[i] = mean + std * this.#z0;
      out[i + 1] = mean + std * this.#z1;
    }
    if (i < out.length) out[i] = this.normal(mean, std);
    return out;
  }

  /**
   * Shuffles an array in place (Fisher-Yates).
   *
   * @param items the array
   * @returns `items`
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** 32-bit rotate left (result as int32). */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const MASK_53 = (1n << 53n) - 1n;

/** FNV-1a (64-bit) of a string's UTF-8 bytes. */
function fnv1a64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/**
 * The seed of one sample, derived from a base seed and the keys that name the sample (a
 * sample index; a task id and a sample index; a step and a row ...): each key (a string
 * through FNV-1a) is mixed in as `h * 0x100000001b3 + key * 0x9e3779b97f4a7c15`, kept to 53
 * bits. Different keys give unrelated {@link Rng} streams; the same keys the same seed.
 *
 * @param seed the base seed (a run's or a request's)
 * @param keys what names the sample within it, outermost first
 * @returns a non-negative safe integer
 *
 * @example
 * ```ts
 * import { notStrictEqual, ok, strictEqual } from "node:assert/strict";
 * import { sampleSeed } from "./rng.ts";
 * strictEqual(sampleSeed(7, "HumanEval/0", 1), sampleSeed(7, "HumanEval/0", 1));
 * notStrictEqual(sampleSeed(7, 0), sampleSeed(7, 1));
 * ok(Number.isSafeInteger(sampleSeed(-5, 3)) && sampleSeed(-5, 3) >= 0);
 * ```
 */
export function sampleSeed(seed: number, ...keys: (number | string)[]): number {
  let h = BigInt(seed);
  for (const key of keys) {
    const k = typeof key === "number" ? BigInt(key) : fnv1a64(key);
    h = (h * 0x100000001b3n + k * 0x9e3779b97f4a7c15n) & MASK_53;
  }
  return Number(h & MASK_53);
}
