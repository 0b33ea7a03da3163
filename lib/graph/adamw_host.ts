/**
 * The AdamW update of `adamw.ts` on host arrays, for the CPU provider: the graph's kernel takes
 * ~14 elementwise passes over each tensor and copies the parameter and both moments out of the
 * runtime; here each array is read once and only the gradients leave the runtime.
 *
 * The step is two passes, so that the costly one needs no parameter values and can run on a
 * worker thread (`adamw_pool.ts`), or both in one loop ({@link adamwFused}) where the
 * parameter is at hand:
 *
 * 1. {@link adamwMoments}: `m' = b1 m + (1-b1) g`, `v' = b2 v + (1-b2) g^2` over m and v, and
 *    the update `u = lr / (1-b1^t) * m' / (sqrt(v') / sqrt(1-b2^t) + eps)` over the gradient;
 * 2. {@link applyUpdate}: `p' = p (1 - lr wd) - u`, over the same array (the gradient's).
 *
 * Each value is evaluated in float64 and stored in the arrays' dtype, so m', v' and u are
 * rounded where the kernel rounds them: the results agree with the kernel's to the last bits
 * (torch.optim.AdamW's formula and order).
 *
 * @module
 */

import type { AdamWConfig } from "./adamw.ts";

/** A float host array the optimizer works on. */
export type FloatArray = Float32Array | Float64Array;

/** What one AdamW step needs besides the arrays. */
export interface HostAdamWStep {
  /** Learning rate of this step. */
  lr: number;
  /** The 1-based step number (bias correction). */
  step: number;
  /** Multiplies the gradient first (gradient clipping; 1 = none). */
  gradScale: number;
  /** Betas, epsilon, weight decay. */
  config: AdamWConfig;
}

/** The per-step scalars of the update (the loops below read them into locals). */
function stepConstants(o: HostAdamWStep) {
  const { beta1: b1, beta2: b2, epsilon: eps, weightDecay } = o.config;
  return {
    b1,
    b2,
    c1: 1 - b1,
    c2: 1 - b2,
    eps,
    s: o.gradScale,
    // sqrt(v') / sqrt(1-b2^t) as a product with the reciprocal: one division per element
    // instead of two (config M: 0.19 s instead of 0.25 s).
    invSqrtBc2: 1 / Math.sqrt(1 - b2 ** o.step),
    stepSize: o.lr / (1 - b1 ** o.step),
    decay: 1 - o.lr * weightDecay,
  };
}

/**
 * Pass 1 of the step, in place: m and v become m' and v', and the gradient's array becomes the
 * update `u` (see the module doc).
 *
 * @param grad the gradient (overwritten with u)
 * @param m first moment (overwritten with m')
 * @param v second moment (overwritten with v')
 * @param o learning rate, step, gradient scale, hyper-parameters
 */
export function adamwMoments(
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  o: HostAdamWStep,
): void {
  const { b1, b2, c1, c2, eps, s, invSqrtBc2, stepSize } = stepConstants(o), n = grad.length;
  for (let i = 0; i < n; i++) {
    const g = grad[i] * s;
    m[i] = m[i] * b1 + g * c1;
    v[i] = v[i] * b2 + g * g * c2;
    // The stored (rounded) moments, as the kernel computes in the arrays' dtype.
    grad[i] = stepSize * m[i] / (Math.sqrt(v[i]) * invSqrtBc2 + eps);
  }
}

/**
 * Pass 2 of the step, in place: `u` becomes the new parameter `p (1 - lr wd) - u`.
 *
 * @param param the current parameter (read only)
 * @param update pass 1's update (overwritten with p')
 * @param o learning rate and weight decay (the rest is unused)
 */
export function applyUpdate(param: FloatArray, update: FloatArray, o: HostAdamWStep): void {
  const { decay } = stepConstants(o), n = param.length;
  for (let i = 0; i < n; i++) update[i] = param[i] * decay - update[i];
}

/**
 * Both passes of the step in one loop (the same stored values as {@link adamwMoments} then
 * {@link applyUpdate}, with each array read once): m, v become m' and v', and the gradient's
 * array the new parameter.
 *
 * @param param the current parameter (read only)
 * @param grad the gradient (overwritten with p')
 * @param m first moment (overwritten with m')
 * @param v second moment (overwritten with v')
 * @param o learning rate, step, gradient scale, hyper-parameters
 */
export function adamwFused(
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  o: HostAdamWStep,
): void {
  const { b1, b2, c1, c2, eps, s, invSqrtBc2, stepSize, decay } = stepConstants(o);
  const n = grad.length;
  for (let i = 0; i < n; i++) {
    const g = grad[i] * s;
    m[i] = m[i] * b1 + g * c1;
    v[i] = v[i] * b2 + g * g * c2;
    grad[i] = stepSize * m[i] / (Math.sqrt(v[i]) * invSqrtBc2 + eps); // u, stored (rounded)
    grad[i] = param[i] * decay - grad[i];
  }
}

/** A parameter's arrays for {@link adamwHostStep}: value, gradient, first and second moments. */
export interface HostAdamWTensors {
  param: FloatArray;
  grad: FloatArray;
  m: FloatArray;
  v: FloatArray;
}

/**
 * One whole AdamW step on one parameter, in place, on this thread ({@link adamwFused}). The gradient's
 * array becomes the new parameter and m, v the new moments; `param` is only read.
 *
 * @param t the parameter's arrays
 * @param o learning rate, 1-based step, gradient scale, hyper-parameters
 * @returns the new parameter (the gradient's array)
 */
export function adamwHostStep<T extends FloatArray>(
  t: HostAdamWTensors & { grad: T },
  o: HostAdamWStep,
): T {
  adamwFused(t.param, t.grad, t.m, t.v, o);
  return t.grad;
}

/** Sum of squares of an array (four accumulators, float64). */
export function sumOfSquares(x: FloatArray): number {
  let a = 0, b = 0, c = 0, d = 0, i = 0;
  for (const n = x.length - 3; i < n; i += 4) {
    a += x[i] * x[i];
    b += x[i + 1] * x[i + 1];
    c += x[i + 2] * x[i + 2];
    d += x[i + 3] * x[i + 3];
  }
  for (; i < x.length; i++) a += x[i] * x[i];
  return a + b + c + d;
}
