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
 *    the update `u = lr / (1-b1^t) * (m' / (sqrt(v') / sqrt(1-b2^t) + eps))` over the gradient;
 * 2. {@link applyUpdate}: `p' = p (1 - lr wd) - u`, over the same array (the gradient's).
 *
 * Every value is one operation in the arrays' dtype, in the order of the kernel's graph, from
 * the step's scalars rounded once to that dtype: so the results are the graph kernel's from the
 * same scalars, and the same bytes whichever pass split or thread computed them. float32 arrays
 * run in WebAssembly SIMD (`adamw_simd.ts`: JavaScript has no float32 arithmetic), float64 ones
 * in the loops here.
 *
 * @module
 */

import type { AdamWConfig } from "./adamw.ts";
import {
  simdAdamwFused,
  simdAdamwMoments,
  type SimdAdamWScalars,
  simdApplyUpdate,
} from "./adamw_simd.ts";

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

/** The step's scalars, rounded to float32 when the arrays are float32 ones. */
function stepScalars(o: HostAdamWStep, f32: boolean): SimdAdamWScalars {
  const { beta1: b1, beta2: b2, epsilon: eps, weightDecay } = o.config;
  const r = f32 ? Math.fround : (x: number) => x;
  return {
    s: r(o.gradScale),
    b1: r(b1),
    c1: r(1 - b1),
    b2: r(b2),
    c2: r(1 - b2),
    stepSize: r(o.lr / (1 - b1 ** o.step)),
    sqrtBc2: r(Math.sqrt(1 - b2 ** o.step)),
    eps: r(eps),
    decay: r(1 - o.lr * weightDecay),
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
  if (grad instanceof Float32Array) {
    simdAdamwMoments(grad, m as Float32Array, v as Float32Array, stepScalars(o, true));
    return;
  }
  const { s, b1, c1, b2, c2, stepSize, sqrtBc2, eps } = stepScalars(o, false), n = grad.length;
  for (let i = 0; i < n; i++) {
    const g = grad[i] * s;
    m[i] = m[i] * b1 + g * c1;
    v[i] = v[i] * b2 + g * g * c2;
    grad[i] = stepSize * (m[i] / (Math.sqrt(v[i]) / sqrtBc2 + eps));
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
  if (update instanceof Float32Array) {
    simdApplyUpdate(param as Float32Array, update, stepScalars(o, true).decay);
    return;
  }
  const { decay } = stepScalars(o, false), n = param.length;
  for (let i = 0; i < n; i++) update[i] = param[i] * decay - update[i];
}

/**
 * Both passes of the step in one loop (the same values as {@link adamwMoments} then
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
  if (grad instanceof Float32Array) {
    const [p, mm, vv] = [param, m, v] as Float32Array[];
    simdAdamwFused(p, grad, mm, vv, stepScalars(o, true));
    return;
  }
  const { s, b1, c1, b2, c2, stepSize, sqrtBc2, eps, decay } = stepScalars(o, false);
  const n = grad.length;
  for (let i = 0; i < n; i++) {
    const g = grad[i] * s;
    m[i] = m[i] * b1 + g * c1;
    v[i] = v[i] * b2 + g * g * c2;
    grad[i] = param[i] * decay - stepSize * (m[i] / (Math.sqrt(v[i]) / sqrtBc2 + eps));
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
