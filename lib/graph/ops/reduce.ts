/**
 * Reductions and normalised exponentials: ReduceSum, ReduceMean, ReduceMax, Softmax,
 * LogSoftmax, with gradient rules beside them.
 *
 * @module
 */

import type { Dim, OpDef, Value } from "../ir.ts";
import { attrNum, fail, ints, normAxis, tt } from "./_util.ts";
import { cast, div, equal, exp, mul, sub } from "./elementwise.ts";
import { gather } from "./index.ts";
import { expand, reshape, Shape, shapeOf, unsqueeze } from "./shape.ts";

/** Options of the reduce ops. */
export interface ReduceOptions {
  /** Keep reduced axes as size 1. @default false */
  keepdims?: boolean;
}

function reduceDef(opType: string, vjp: OpDef["vjp"]): OpDef {
  return {
    opType,
    domain: "",
    attrs: { keepdims: "int" },
    infer: (inputs, attrs) => {
      const [x, ax] = inputs as Value[];
      const axes = (ax.knownDims as number[]).map((a) => normAxis(opType, inputs, a, x.rank));
      const keep = attrNum(attrs, "keepdims", 1) === 1;
      const out: Dim[] = [];
      x.shape.forEach((d, i) => {
        if (!axes.includes(i)) out.push(d);
        else if (keep) out.push(1);
      });
      return [tt(x.dtype, out)];
    },
    vjp,
  };
}

function axesOf(n: { inputs: readonly (Value | null)[] }): number[] {
  const x = n.inputs[0]!;
  return (n.inputs[1]!.knownDims as number[]).map((a) => (a < 0 ? a + x.rank : a));
}

/** Brings a reduced gradient back to the input's shape (re-inserting dropped axes). */
function spread(
  g: Value,
  n: { inputs: readonly (Value | null)[]; attrs: Record<string, unknown> },
) {
  const x = n.inputs[0]!;
  const kept = attrNum(n.attrs, "keepdims", 1) === 1 ? g : unsqueeze(g, axesOf(n));
  return expand(kept, shapeOf(x));
}

function call(def: OpDef, x: Value, axes: number[], opts: ReduceOptions): Value {
  const a = ints(x, axes);
  a.knownDims = [...axes];
  return x.graph.addNode(def, [x, a], { keepdims: opts.keepdims ? 1 : 0 })[0];
}

/** `ReduceSum(x, axes)`. Gradient: g broadcast back over the reduced axes. */
export const ReduceSum = reduceDef("ReduceSum", (n, [g]) => [spread(g!, n), null]);
/** Sums over `axes`. */
export const reduceSum = (x: Value, axes: number[], opts: ReduceOptions = {}): Value =>
  call(ReduceSum, x, axes, opts);

/** `ReduceMean(x, axes)`. Gradient: g / count broadcast back. */
export const ReduceMean = reduceDef("ReduceMean", (n, [g]) => {
  const x = n.inputs[0]!;
  const axes = axesOf(n);
  const dims = axes.map((a) => x.shape[a]);
  let count: Value;
  if (dims.every((d) => typeof d === "number")) {
    count = ints(x, [dims.reduce((a, b) => (a as number) * (b as number), 1) as number]);
  } else {
    const sel = gather(x.graph.addNode(Shape, [x])[0], ints(x, axes), 0);
    count = call(ReduceProd, sel, [0], { keepdims: true });
  }
  return [div(spread(g!, n), reshape(cast(count, x.dtype), [])), null];
});
/** Mean over `axes`. */
export const reduceMean = (x: Value, axes: number[], opts: ReduceOptions = {}): Value =>
  call(ReduceMean, x, axes, opts);

/** `ReduceProd` (used for run-time element counts; no gradient rule). */
export const ReduceProd = reduceDef("ReduceProd", undefined);

/** `ReduceMax(x, axes)`. Gradient: g shared equally among the maxima. */
export const ReduceMax = reduceDef("ReduceMax", (n, [g]) => {
  const x = n.inputs[0]!;
  const keep = { inputs: n.inputs, attrs: n.attrs };
  const y = spread(n.outputs[0], keep);
  const mask = cast(equal(x, y), x.dtype);
  const count = spread(call(ReduceSum, mask, axesOf(n), { keepdims: true }), {
    inputs: n.inputs,
    attrs: { keepdims: 1 },
  });
  return [mul(spread(g!, keep), div(mask, count)), null];
});
/** Maximum over `axes`. */
export const reduceMax = (x: Value, axes: number[], opts: ReduceOptions = {}): Value =>
  call(ReduceMax, x, axes, opts);

function softmaxDef(opType: string, vjp: OpDef["vjp"]): OpDef {
  return {
    opType,
    domain: "",
    attrs: { axis: "int" },
    infer: (inputs, attrs) => {
      const x = inputs[0]!;
      normAxis(opType, inputs, attrNum(attrs, "axis", -1), x.rank);
      if (x.dtype !== "float32" && x.dtype !== "float64" && x.dtype !== "float16") {
        fail(opType, inputs, "needs a float input");
      }
      return [tt(x.dtype, x.shape)];
    },
    vjp,
  };
}

/** `Softmax(x, axis)`. Gradient: y * (g - sum(g*y, axis)). */
export const Softmax = softmaxDef("Softmax", (n, [g]) => {
  const y = n.outputs[0];
  const axis = attrNum(n.attrs, "axis", -1);
  const dot = reduceSum(mul(g!, y), [axis], { keepdims: true });
  return [mul(y, sub(g!, dot))];
});
/** Softmax along `axis`. */
export const softmax = (x: Value, axis = -1): Value => x.graph.addNode(Softmax, [x], { axis })[0];

/** `LogSoftmax(x, axis)`. Gradient: g - exp(y) * sum(g, axis). */
export const LogSoftmax = softmaxDef("LogSoftmax", (n, [g]) => {
  const y = n.outputs[0];
  const axis = attrNum(n.attrs, "axis", -1);
  const total = reduceSum(g!, [axis], { keepdims: true });
  return [sub(g!, mul(exp(y), total))];
});
/** Log-softmax along `axis`. */
export const logSoftmax = (x: Value, axis = -1): Value =>
  x.graph.addNode(LogSoftmax, [x], { axis })[0];
