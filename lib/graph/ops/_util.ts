/**
 * Shared helpers for op definitions: broadcasting, constants, attribute access.
 * Private to `lib/graph/ops`.
 *
 * @module
 */

import { type DType, toHost } from "../dtype.ts";
import { type Dim, GraphError, type OpDef, type TensorType, type Value } from "../ir.ts";

let freshCounter = 0;

/** A new symbolic dim for sizes only known at run time. */
export function freshDim(prefix = "d"): string {
  return `${prefix}${freshCounter++}`;
}

/** Describes the inputs of a call for error messages: `Op(a [2,3] float32, b [3] float32)`. */
export function callText(op: string, inputs: readonly (Value | null)[]): string {
  return `${op}(${inputs.map((x) => (x ? x.describe() : "-")).join(", ")})`;
}

/** Throws a GraphError prefixed with the call text. */
export function fail(op: string, inputs: readonly (Value | null)[], message: string): never {
  throw new GraphError(`${callText(op, inputs)}: ${message}`);
}

/** Requires all given inputs to share one dtype; returns it. */
export function sameDtype(op: string, inputs: readonly (Value | null)[]): DType {
  const present = inputs.filter((x): x is Value => x !== null);
  const dtype = present[0].dtype;
  for (const x of present) {
    if (x.dtype !== dtype) fail(op, inputs, `dtype mismatch: ${x.dtype} vs ${dtype}`);
  }
  return dtype;
}

/** Numpy-style broadcast of shapes; symbolic dims broadcast with 1 and with themselves. */
export function broadcastShapes(op: string, inputs: readonly Value[]): Dim[] {
  const rank = Math.max(...inputs.map((x) => x.rank));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const x of inputs) {
      const d = x.shape[x.rank - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim === 1) dim = d;
      else if (dim !== d) {
        if (typeof dim === "number" && typeof d === "number") {
          fail(op, inputs, `shapes do not broadcast at axis ${i} (${dim} vs ${d})`);
        }
        // Two different symbolic (or symbolic vs concrete) sizes: assumed equal at run time.
        if (typeof dim === "string") dim = d;
      }
    }
    out.push(dim);
  }
  return out;
}

/** Number of elements when fully concrete, else undefined. */
export function numel(shape: readonly Dim[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number") return undefined;
    n *= d;
  }
  return n;
}

/** Normalises a possibly negative axis for a rank, failing with the op name when out of range. */
export function normAxis(
  op: string,
  inputs: readonly (Value | null)[],
  axis: number,
  rank: number,
): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(op, inputs, `axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Output type helper. */
export function tt(dtype: DType, shape: readonly Dim[]): TensorType {
  return { dtype, shape: [...shape] };
}

/** Reads a numeric attribute with a default. */
export function attrNum(
  attrs: Readonly<Record<string, unknown>>,
  key: string,
  dflt: number,
): number {
  const v = attrs[key];
  return typeof v === "number" ? v : dflt;
}

/** Reads an int-list attribute with a default. */
export function attrInts(
  attrs: Readonly<Record<string, unknown>>,
  key: string,
  dflt: number[] | undefined,
): number[] | undefined {
  const v = attrs[key];
  return Array.isArray(v) ? v as number[] : dflt;
}

const CONSTANT: OpDef = {
  opType: "Constant",
  domain: "",
  attrs: { value: "tensor" },
  infer: (_i, attrs) => {
    const t = attrs.value as { dtype: DType; shape: number[] };
    return [tt(t.dtype, t.shape)];
  },
  vjp: () => [],
};

/** A constant tensor as a `Constant` node (valid inside function bodies too). */
export function constant(
  graphOf: Value,
  dtype: DType,
  shape: number[],
  values: ArrayLike<number>,
): Value {
  const data = toHost(dtype, values);
  return graphOf.graph.addNode(CONSTANT, [], { value: { dtype, shape, data } })[0];
}

/** A scalar constant with the dtype of `like`. */
export function scalarLike(like: Value, value: number, dtype: DType = like.dtype): Value {
  return constant(like, dtype, [], [value]);
}

/** An int64 vector constant (axes, shapes, indices). */
export function ints(graphOf: Value, values: number[]): Value {
  return constant(graphOf, "int64", [values.length], values);
}
