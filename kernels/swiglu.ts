/**
 * SwiGLU activation of the Qwen3/Llama MLP: `y = silu(gate) * up`, `silu(a) = a*sigmoid(a)`.
 *
 * Gradient, with `s = sigmoid(gate)`:
 *   dgate = g * up * s * (1 + gate * (1 - s))      dup = g * gate * s
 *
 * @module
 */

import { op, type OpDef, type Value } from "../lib/graph/mod.ts";
import { callKernel, floatDtype, kernelFail, KIT_DOMAIN } from "./_kernel.ts";

/** The SwiGLU kernel. */
export const SWIGLU: OpDef = {
  opType: "SwiGLU",
  domain: KIT_DOMAIN,
  infer: (inputs) => {
    const [gate, up] = inputs as Value[];
    const dtype = floatDtype("SwiGLU", [gate, up]);
    if (
      gate.rank !== up.rank ||
      gate.shape.some((d, i) =>
        typeof d === "number" && typeof up.shape[i] === "number" && d !== up.shape[i]
      )
    ) {
      kernelFail("SwiGLU", [gate, up], "gate and up must have the same shape");
    }
    return [{ dtype, shape: [...gate.shape] }];
  },
  body: ([gate, up]) => [op.mul(op.mul(gate, op.sigmoid(gate)), up)],
  vjp: (n, [g], needs) => {
    const [gate, up] = n.inputs as Value[];
    const s = op.sigmoid(gate);
    const dgate = needs[0]
      ? op.mul(op.mul(op.mul(g!, up), s), op.add(op.mul(gate, op.sub(op.scalarLike(s, 1), s)), 1))
      : null;
    const dup = needs[1] ? op.mul(g!, op.mul(gate, s)) : null;
    return [dgate, dup];
  },
};

/** `silu(gate) * up`. */
export function swiglu(gate: Value, up: Value): Value {
  return callKernel(SWIGLU, [gate, up])[0];
}
