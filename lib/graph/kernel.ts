/**
 * Helpers for defining kernels: ops in the kit's domain whose forward is an ONNX
 * model-local function (built by `body`) and whose gradient rule sits beside it. The
 * kernels in `kernels/` use them, and so does the engine's own AdamW (`adamw.ts`).
 *
 * @module
 */

import { type AttrValue, GraphError, type OpDef, type Value } from "./ir.ts";
import { KIT_DOMAIN } from "./onnx.ts";

export { KIT_DOMAIN };

/** Calls a kernel: adds the node and returns its outputs. */
export function callKernel(
  def: OpDef,
  inputs: Value[],
  attrs: Record<string, AttrValue> = {},
): Value[] {
  return inputs[0].graph.addNode(def, inputs, attrs);
}

/** Throws a GraphError naming the kernel call. */
export function kernelFail(
  name: string,
  inputs: readonly (Value | null)[],
  message: string,
): never {
  const args = inputs.map((x) => (x ? x.describe() : "-")).join(", ");
  throw new GraphError(`${name}(${args}): ${message}`);
}

/** Requires a float dtype shared by all given inputs. */
export function floatDtype(name: string, inputs: readonly Value[]): Value["dtype"] {
  const dtype = inputs[0].dtype;
  if (dtype !== "float32" && dtype !== "float64" && dtype !== "float16") {
    kernelFail(name, inputs, `needs float inputs, got ${dtype}`);
  }
  for (const x of inputs) {
    if (x.dtype !== dtype) kernelFail(name, inputs, `dtype mismatch (${x.dtype} vs ${dtype})`);
  }
  return dtype;
}

/** Checks that two dims agree when both are concrete. */
export function sameDim(
  name: string,
  inputs: readonly Value[],
  a: number | string,
  b: number | string,
  what: string,
): void {
  if (typeof a === "number" && typeof b === "number" && a !== b) {
    kernelFail(name, inputs, `${what}: ${a} vs ${b}`);
  }
}
