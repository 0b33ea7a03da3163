/**
 * Indexing ops: Gather, GatherElements, ScatterND, ScatterElements, Trilu, Range, CumSum.
 *
 * Gather's gradient scatters into zeros with `ScatterND(reduction=add)` (never a
 * [vocab x tokens] one-hot), which is what makes embedding gradients cheap.
 *
 * @module
 */

import type { Dim, OpDef, Value } from "../ir.ts";
import { attrNum, fail, normAxis, tt } from "./_util.ts";
import { cast } from "./elementwise.ts";
import { unsqueeze, zerosLike } from "./shape.ts";

function checkIndices(op: string, inputs: readonly (Value | null)[], idx: Value): void {
  if (idx.dtype !== "int64" && idx.dtype !== "int32") {
    fail(op, inputs, `indices must be int64 or int32, got ${idx.dtype}`);
  }
}

/** `Gather(data, indices, axis)`. Gradient (axis 0): scatter-add g into zeros of data's shape. */
export const Gather: OpDef = {
  opType: "Gather",
  domain: "",
  attrs: { axis: "int" },
  infer: (inputs, attrs) => {
    const [data, idx] = inputs as Value[];
    checkIndices("Gather", inputs, idx);
    const axis = normAxis("Gather", inputs, attrNum(attrs, "axis", 0), data.rank);
    const out: Dim[] = [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)];
    return [tt(data.dtype, out)];
  },
  vjp: (n, [g], needs) => {
    const [data, idx] = n.inputs as Value[];
    if (!needs[0]) return [null, null];
    const axis = normAxis("Gather", n.inputs, attrNum(n.attrs, "axis", 0), data.rank);
    if (axis !== 0) fail("Gather", n.inputs, "gradient is implemented for axis 0 only");
    // ScatterND with indices [..., 1] adds each row of g into its token's row.
    const index = unsqueeze(cast(idx, "int64"), [-1]);
    return [scatterND(zerosLike(data), index, g!, "add"), null];
  },
};
/** Takes entries of `data` along `axis` at `indices`. */
export const gather = (data: Value, indices: Value, axis = 0): Value =>
  data.graph.addNode(Gather, [data, indices], { axis })[0];

/** `GatherElements(data, indices, axis)`. Gradient: scatter-add g at the same indices. */
export const GatherElements: OpDef = {
  opType: "GatherElements",
  domain: "",
  attrs: { axis: "int" },
  infer: (inputs) => {
    const [data, idx] = inputs as Value[];
    checkIndices("GatherElements", inputs, idx);
    if (idx.rank !== data.rank) fail("GatherElements", inputs, "indices must have data's rank");
    return [tt(data.dtype, idx.shape)];
  },
  vjp: (n, [g], needs) => {
    const [data, idx] = n.inputs as Value[];
    if (!needs[0]) return [null, null];
    return [scatterElements(zerosLike(data), idx, g!, attrNum(n.attrs, "axis", 0), "add"), null];
  },
};
/** Picks `data` entries along `axis` at per-element `indices` (same rank). */
export const gatherElements = (data: Value, indices: Value, axis: number): Value =>
  data.graph.addNode(GatherElements, [data, indices], { axis })[0];

/** `ScatterND(data, indices, updates, reduction)`. Used by gradients; not differentiable here. */
export const ScatterND: OpDef = {
  opType: "ScatterND",
  domain: "",
  attrs: { reduction: "string" },
  infer: (inputs) => {
    const [data, idx, upd] = inputs as Value[];
    checkIndices("ScatterND", inputs, idx);
    if (upd.dtype !== data.dtype) fail("ScatterND", inputs, "updates dtype differs from data");
    return [tt(data.dtype, data.shape)];
  },
};
/** Writes (or adds, with `reduction: "add"`) `updates` into `data` at N-d `indices`. */
export const scatterND = (data: Value, indices: Value, updates: Value, reduction = "none"): Value =>
  data.graph.addNode(ScatterND, [data, indices, updates], { reduction })[0];

/** `ScatterElements(data, indices, updates, axis, reduction)`. Not differentiable here. */
export const ScatterElements: OpDef = {
  opType: "ScatterElements",
  domain: "",
  attrs: { axis: "int", reduction: "string" },
  infer: (inputs) => {
    const [data, idx, upd] = inputs as Value[];
    checkIndices("ScatterElements", inputs, idx);
    if (upd.dtype !== data.dtype) fail("ScatterElements", inputs, "updates dtype differs");
    return [tt(data.dtype, data.shape)];
  },
};
/** Element-wise scatter along `axis`. */
export const scatterElements = (
  data: Value,
  indices: Value,
  updates: Value,
  axis: number,
  reduction = "none",
): Value => data.graph.addNode(ScatterElements, [data, indices, updates], { axis, reduction })[0];

/** `Trilu(x, k, upper)`. Gradient: the same triangle of g. */
export const Trilu: OpDef = {
  opType: "Trilu",
  domain: "",
  attrs: { upper: "int" },
  infer: (inputs) => [tt(inputs[0]!.dtype, inputs[0]!.shape)],
  vjp: (n, [g]) =>
    n.inputs.map((
      _,
      i,
    ) => (i === 0 ? trilu(g!, n.inputs[1] ?? undefined, n.attrs.upper as number) : null)),
};
/** Keeps the upper (`upper=1`) or lower triangle of the last two axes, offset by `k`. */
export const trilu = (x: Value, k?: Value, upper = 1): Value =>
  x.graph.addNode(Trilu, k ? [x, k] : [x], { upper })[0];

/** `Range(start, limit, delta)` of scalars. Not differentiable. */
export const Range: OpDef = {
  opType: "Range",
  domain: "",
  infer: (inputs) => [tt(inputs[0]!.dtype, [`range${inputs[0]!.id}`])],
  vjp: () => [null, null, null],
};
/** `[start, limit)` with step `delta`, as a 1-D tensor. */
export const range = (start: Value, limit: Value, delta: Value): Value =>
  start.graph.addNode(Range, [start, limit, delta])[0];

/** `CumSum(x, axis)`. Gradient: reverse cumulative sum of g. */
export const CumSum: OpDef = {
  opType: "CumSum",
  domain: "",
  attrs: { exclusive: "int", reverse: "int" },
  infer: (inputs) => [tt(inputs[0]!.dtype, inputs[0]!.shape)],
  vjp: (n, [g]) => {
    const rev = attrNum(n.attrs, "reverse", 0), excl = attrNum(n.attrs, "exclusive", 0);
    return [cumsum(g!, n.inputs[1]!, { reverse: 1 - rev, exclusive: excl }), null];
  },
};
/** Cumulative sum along the scalar int64 `axis` value. */
export const cumsum = (
  x: Value,
  axis: Value,
  opts: { exclusive?: number; reverse?: number } = {},
): Value =>
  x.graph.addNode(CumSum, [x, axis], {
    exclusive: opts.exclusive ?? 0,
    reverse: opts.reverse ?? 0,
  })[0];
