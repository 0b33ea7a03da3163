/**
 * Sampling rules as small composable units (after transformers.js' `LogitsProcessorList`): a
 * {@link SamplingRule} maps the ids so far and one row of next-token probabilities to new
 * (unnormalised) weights, never changing its input; a list applies them in order. A removed
 * token gets weight 0.
 *
 * The rules act on probabilities, not logits, because the sampler's graph already returns
 * `softmax(logits / T)` per row (the temperature is a graph input, and onnxruntime's
 * vectorised softmax costs far less than exponentiating a 32k-150k vocabulary in JS on every
 * step). Rules that only rank or accumulate mass (top-k, top-p) read the same on either scale.
 *
 * @module
 */

/** One sampling rule: `(ids so far, weights [V]) -> new weights [V]` (the input is not changed). */
export type SamplingRule = (ids: readonly number[], probs: Float32Array) => Float32Array;

/**
 * Keeps the `k` most likely tokens (and any tied with the k-th), zeroes the rest.
 *
 * @param k how many to keep, >= 1
 * @returns the rule
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { topK } from "./processors.ts";
 * const p = new Float32Array([0.1, 0.4, 0.2, 0.3]);
 * deepStrictEqual([...topK(2)([], p)].map((x) => x > 0), [false, true, false, true]);
 * ```
 */
export function topK(k: number): SamplingRule {
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`topK(): expected an integer k >= 1, got ${k}`);
  }
  return (_ids, probs) => {
    if (k >= probs.length) return probs.slice();
    const sorted = probs.slice().sort(); // ascending, native
    return keepAtLeast(probs, sorted[probs.length - k]);
  };
}

/**
 * Nucleus sampling: keeps the most likely tokens whose weights first reach the fraction `p` of
 * the total, and any tied with the last one kept; zeroes the rest.
 *
 * @param p the mass to keep, in (0, 1]
 * @returns the rule
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { topP } from "./processors.ts";
 * const probs = new Float32Array([0.5, 0.3, 0.2]);
 * deepStrictEqual([...topP(0.7)([], probs)].map((x) => x > 0), [true, true, false]);
 * ```
 */
export function topP(p: number): SamplingRule {
  if (!(p > 0 && p <= 1)) throw new Error(`topP(): expected p in (0, 1], got ${p}`);
  return (_ids, probs) => {
    if (p >= 1) return probs.slice();
    const sorted = probs.slice().sort(); // ascending
    let total = 0;
    for (let i = 0; i < sorted.length; i++) total += sorted[i];
    let mass = 0;
    let threshold = sorted[sorted.length - 1];
    for (let i = sorted.length - 1; i >= 0; i--) {
      mass += sorted[i];
      threshold = sorted[i];
      if (mass >= p * total) break;
    }
    return keepAtLeast(probs, threshold);
  };
}

/**
 * Applies rules in order.
 *
 * @param rules the rules
 * @param ids the ids so far (prompt and response)
 * @param probs one row of probabilities (not changed)
 * @returns the weights (the input itself when the list is empty)
 */
export function applyRules(
  rules: readonly SamplingRule[],
  ids: readonly number[],
  probs: Float32Array,
): Float32Array {
  let out = probs;
  for (const r of rules) out = r(ids, out);
  return out;
}

/** The request fields the rules read. */
export interface RuleParams {
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  topK: number;
}

/**
 * The rules of a request: top-k then top-p (none when both are off). They narrow what may be
 * drawn; the reported log-probabilities stay those of the untruncated distribution.
 *
 * @param params the request's sampling fields
 * @returns the rules
 */
export function samplingRules(params: RuleParams): SamplingRule[] {
  const out: SamplingRule[] = [];
  if (params.topK > 0) out.push(topK(params.topK));
  if (params.topP < 1) out.push(topP(params.topP));
  return out;
}

/** `x` where `x >= threshold`, else 0 (a new array). */
function keepAtLeast(probs: Float32Array, threshold: number): Float32Array {
  const out = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = probs[i] >= threshold ? probs[i] : 0;
  return out;
}
