/**
 * RMSNorm over the last axis: `y = x / sqrt(mean(x^2) + eps) * w` (Qwen3, Llama).
 *
 * Gradient, with `r = 1/sqrt(mean(x^2)+eps)`, `xh = x*r`, `gw = g*w`:
 *   dx = r * (gw - xh * mean(gw * xh))      dw = sum over rows of g * xh
 *
 * The float32 body is onnxruntime's native `RMSNormalization` (opset 23, one pass); other
 * dtypes (float64 for gradient checks) compose it from primitives.
 *
 * @module
 */

import { op, type OpDef, type Value } from "../lib/graph/mod.ts";
import { callKernel, floatDtype, kernelFail, KIT_DOMAIN, sameDim } from "./_kernel.ts";

function inverseRms(x: Value, eps: number): Value {
  return op.reciprocal(op.sqrt(op.add(op.reduceMean(op.mul(x, x), [-1], { keepdims: true }), eps)));
}

/** ONNX `RMSNormalization` (opset 23) over the last axis; used only inside the kernel body. */
const NATIVE_RMS_NORMALIZATION: OpDef = {
  opType: "RMSNormalization",
  domain: "",
  attrs: { axis: "int", epsilon: "float" },
  infer: ([x]) => [{ dtype: x!.dtype, shape: [...x!.shape] }],
};

/** The RMSNorm kernel. */
export const RMS_NORM: OpDef = {
  opType: "RMSNorm",
  domain: KIT_DOMAIN,
  attrs: { epsilon: "float" },
  infer: (inputs) => {
    const [x, w] = inputs as Value[];
    const dtype = floatDtype("RMSNorm", [x, w]);
    if (w.rank !== 1) kernelFail("RMSNorm", [x, w], "weight must be 1-D");
    sameDim("RMSNorm", [x, w], x.shape[x.rank - 1], w.shape[0], "last dim vs weight size");
    return [{ dtype, shape: [...x.shape] }];
  },
  body: ([x, w], attrs) => {
    const epsilon = attrs.epsilon as number;
    if (x.dtype === "float32") {
      return x.graph.addNode(NATIVE_RMS_NORMALIZATION, [x, w], { axis: -1, epsilon });
    }
    return [op.mul(op.mul(x, inverseRms(x, epsilon)), w)];
  },
  vjp: (n, [g], needs) => {
    const [x, w] = n.inputs as Value[];
    const r = inverseRms(x, n.attrs.epsilon as number);
    const xh = op.mul(x, r);
    const gw = op.mul(g!, w);
    const dx = needs[0]
      ? op.mul(r, op.sub(gw, op.mul(xh, op.reduceMean(op.mul(gw, xh), [-1], { keepdims: true }))))
      : null;
    const lead = x.shape.slice(0, -1).map((_, i) => i);
    const dw = needs[1] ? op.reduceSum(op.mul(g!, xh), lead) : null;
    return [dx, dw];
  },
};

/** RMS-normalises `x` over its last axis and scales by `weight`. */
export function rmsNorm(x: Value, weight: Value, epsilon: number): Value {
  return callKernel(RMS_NORM, [x, weight], { epsilon })[0];
}
