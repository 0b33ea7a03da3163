/**
 * Masked whitening over a batch's response tokens, as verl's `masked_whiten`
 * (`verl/utils/torch_functional.py`): `(x - mean) / sqrt(var + eps)` with the mean and the
 * *unbiased* variance taken over the tokens where the mask is nonzero.
 *
 * @module
 */

/** Options of {@link maskedWhiten}. */
export interface WhitenOptions {
  /** Keep the output zero-mean; false adds the mean back after scaling (verl's `shift_mean`). @default true */
  shiftMean?: boolean;
  /** Added to the variance before the square root. @default 1e-8 */
  eps?: number;
}

/**
 * Whitens `values` over the masked elements. Computes in float64.
 *
 * Differs from verl in two harmless ways: masked-out elements come back as 0 (verl leaves
 * `(x - mean) / std` there; every loss masks them), and the mean divides by the exact count
 * (verl adds 1e-8 to it).
 *
 * @param values [n] values, e.g. [rows*width] advantages
 * @param mask [n] nonzero where the element counts (the response mask)
 * @param options shift and eps
 * @returns [n] whitened values, 0 where the mask is 0 (float64)
 * @throws RangeError when fewer than 2 elements are masked in (the unbiased variance needs 2; verl raises too)
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { maskedWhiten } from "./whiten.ts";
 * // mean 2, unbiased var 1 over the three masked values; the padded 9 is ignored
 * const w = maskedWhiten([1, 2, 3, 9], [1, 1, 1, 0], { eps: 0 });
 * deepStrictEqual(Array.from(w), [-1, 0, 1, 0]);
 * ```
 */
export function maskedWhiten(
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  options: WhitenOptions = {},
): Float64Array {
  const { shiftMean = true, eps = 1e-8 } = options;
  if (values.length !== mask.length) {
    throw new RangeError(`values has ${values.length} elements but mask has ${mask.length}`);
  }
  let count = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask[i] !== 0) {
      count++;
      sum += values[i];
    }
  }
  if (count < 2) {
    throw new RangeError(
      `masked whitening needs at least 2 masked elements for an unbiased variance, got ${count}`,
    );
  }
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < values.length; i++) if (mask[i] !== 0) ss += (values[i] - mean) ** 2;
  const scale = 1 / Math.sqrt(ss / (count - 1) + eps);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (mask[i] !== 0) out[i] = (values[i] - mean) * scale + (shiftMean ? 0 : mean);
  }
  return out;
}
