/**
 * The host AdamW step on float32 arrays in WebAssembly SIMD (`adamw_simd.wat`): four lanes per
 * instruction, each one float32 operation in the order of the AdamW kernel's graph (`adamw.ts`).
 * JavaScript has no float32 arithmetic or SIMD, so the plain loops of `adamw_host.ts` evaluate in
 * float64 with a scalar square root and division per element: config M's 42M parameters took
 * ~130 ms per thread-half there and ~53 ms here (21M elements, one thread, 2026-12-02).
 *
 * The arrays stay where they are (runtime outputs, the trainer's state): each call copies a
 * chunk of every array into the module's memory, updates it there and copies it back, so the
 * module's memory stays small enough for the L2 cache and the copies cost little beside the
 * arithmetic. Each thread instantiates its own module on first use.
 *
 * @module
 */

import { ADAMW_SIMD_WASM } from "./adamw_simd_wasm.ts";

/** The step's scalars, each rounded to float32 once (as the graph's constants are). */
export interface SimdAdamWScalars {
  /** Gradient scale (clipping). */
  s: number;
  b1: number;
  /** 1 - b1. */
  c1: number;
  b2: number;
  /** 1 - b2. */
  c2: number;
  /** lr / (1 - b1^t). */
  stepSize: number;
  /** sqrt(1 - b2^t). */
  sqrtBc2: number;
  eps: number;
  /** 1 - lr * wd. */
  decay: number;
}

interface Kernels {
  fused(p: number, g: number, m: number, v: number, n: number, ...k: number[]): void;
  moments(g: number, m: number, v: number, n: number, ...k: number[]): void;
  apply(p: number, u: number, n: number, decay: number): void;
  heap: Float32Array;
}

/** Elements per array per call: 4 arrays x 16 KB in the module's memory. */
const CHUNK = 4096;
let kernels: Kernels | null = null;

function theKernels(): Kernels {
  if (kernels) return kernels;
  const bytes = Uint8Array.from(atob(ADAMW_SIMD_WASM), (c) => c.charCodeAt(0));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const e = instance.exports as unknown as Kernels & { memory: WebAssembly.Memory };
  const pages = Math.ceil((4 * CHUNK * 4) / 65536) - e.memory.buffer.byteLength / 65536;
  if (pages > 0) e.memory.grow(pages);
  kernels = {
    fused: e.fused,
    moments: e.moments,
    apply: e.apply,
    heap: new Float32Array(e.memory.buffer),
  };
  return kernels;
}

// Offsets (in elements) of the four chunk slots in the module's memory.
const SLOT = [0, CHUNK, 2 * CHUNK, 3 * CHUNK] as const;

/**
 * Runs `call(k)` over each chunk of `arrays` (all of one length): copies the chunk of every
 * array into slot i, calls, and copies back the arrays named in `out`.
 */
function chunked(
  arrays: readonly Float32Array[],
  out: readonly number[],
  call: (k: Kernels, n: number) => void,
): void {
  const k = theKernels(), heap = k.heap, n = arrays[0].length;
  for (let i = 0; i < n; i += CHUNK) {
    const e = Math.min(i + CHUNK, n), len = e - i;
    arrays.forEach((a, j) => heap.set(a.subarray(i, e), SLOT[j]));
    call(k, len);
    for (const j of out) arrays[j].set(heap.subarray(SLOT[j], SLOT[j] + len), i);
  }
}

const B = 4; // bytes per element

/** Pass 1's scalars in the kernels' parameter order (`adamw_simd.wat`). */
const momentScalars = (c: SimdAdamWScalars) =>
  [c.s, c.b1, c.c1, c.b2, c.c2, c.stepSize, c.sqrtBc2, c.eps] as const;

/**
 * Both passes in place: m, v become m' and v', the gradient's array the new parameter.
 *
 * @param param the current parameter (read only)
 * @param grad the gradient (overwritten with p')
 * @param m first moment (overwritten with m')
 * @param v second moment (overwritten with v')
 * @param c the step's scalars
 */
export function simdAdamwFused(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  c: SimdAdamWScalars,
): void {
  const k1 = momentScalars(c);
  chunked(
    [param, grad, m, v],
    [1, 2, 3],
    (k, n) => k.fused(SLOT[0] * B, SLOT[1] * B, SLOT[2] * B, SLOT[3] * B, n, ...k1, c.decay),
  );
}

/**
 * Pass 1 in place: m, v become m' and v', the gradient's array the update `u`.
 *
 * @param grad the gradient (overwritten with u)
 * @param m first moment (overwritten with m')
 * @param v second moment (overwritten with v')
 * @param c the step's scalars (`decay` unused)
 */
export function simdAdamwMoments(
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  c: SimdAdamWScalars,
): void {
  const k1 = momentScalars(c);
  chunked(
    [grad, m, v],
    [0, 1, 2],
    (k, n) => k.moments(SLOT[0] * B, SLOT[1] * B, SLOT[2] * B, n, ...k1),
  );
}

/**
 * Pass 2 in place: the update `u` becomes `p * decay - u`.
 *
 * @param param the current parameter (read only)
 * @param update pass 1's update (overwritten with p')
 * @param decay 1 - lr * wd
 */
export function simdApplyUpdate(param: Float32Array, update: Float32Array, decay: number): void {
  chunked([param, update], [1], (k, n) => k.apply(SLOT[0] * B, SLOT[1] * B, n, decay));
}
