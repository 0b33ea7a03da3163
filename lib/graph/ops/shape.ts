/**
 * Shape ops: Reshape, Transpose, Concat, Split, Slice, Squeeze/Unsqueeze, Expand, Shape,
 * ConstantOfShape, Pad, with gradient rules beside them.
 *
 * Shape arguments are given as plain arrays (encoded as Constant nodes) or as int64
 * values built by {@link shapeOf}, which carry their dims for build-time inference.
 *
 * @module
 */

import type { DType } from "../dtype.ts";
import type { Dim, OpDef, Value } from "../ir.ts";
import { attrInts, attrNum, constant, fail, freshDim, ints, normAxis, numel, tt } from "./_util.ts";
import { Add, Greater, Sub, sumTo, Where } from "./elementwise.ts";
import { gather } from "./index.ts";

/** A shape given as dims (numbers; 0 copies, -1 infers) or as an int64 shape value. */
export type ShapeArg = readonly number[] | Value;

function shapeValue(like: Value, s: ShapeArg): Value {
  if (!Array.isArray(s)) return s as Value;
  const v = ints(like, s as number[]);
  v.knownDims = [...(s as number[])];
  return v;
}

// ---- Shape / ConstantOfShape -------------------------------------------------------

/** `Shape(x)`: int64 vector of dims. Not differentiable. */
export const Shape: OpDef = {
  opType: "Shape",
  domain: "",
  infer: ([x]) => [tt("int64", [x!.rank])],
  vjp: () => [null],
};
/** The shape of `x` as an int64 value (a constant when all dims are concrete). */
export function shapeOf(x: Value): Value {
  const n = numel(x.shape);
  const v = n !== undefined ? ints(x, x.shape as number[]) : x.graph.addNode(Shape, [x])[0];
  v.knownDims = [...x.shape];
  return v;
}

/** `ConstantOfShape(shape)` filled with a value. Not differentiable. */
export const ConstantOfShape: OpDef = {
  opType: "ConstantOfShape",
  domain: "",
  attrs: { value: "tensor" },
  infer: (inputs, attrs) => {
    const s = inputs[0]!;
    const dtype = (attrs.value as { dtype: DType }).dtype;
    const len = s.shape[0];
    if (typeof len !== "number") {
      fail("ConstantOfShape", inputs, "shape vector length must be known");
    }
    return [tt(dtype, s.knownDims ?? Array.from({ length: len }, () => freshDim()))];
  },
  vjp: () => [null],
};
/** A tensor of `dtype` filled with `value`, shaped like `like` (or by a shape value). */
export function fill(like: Value, value: number, dtype: DType = like.dtype, shape?: Value): Value {
  const s = shape ?? shapeOf(like);
  const data = constant(like, dtype, [1], [value]).producer!.attrs.value;
  return like.graph.addNode(ConstantOfShape, [s], { value: data })[0];
}
/** Zeros shaped like `x`. */
export const zerosLike = (x: Value): Value => fill(x, 0);

// ---- Reshape -----------------------------------------------------------------------

/** `Reshape(x, shape)`. Gradient: reshape back to x's shape. */
export const Reshape: OpDef = {
  opType: "Reshape",
  domain: "",
  infer: (inputs) => {
    const [x, s] = inputs as Value[];
    if (s.dtype !== "int64" || s.rank !== 1) fail("Reshape", inputs, "shape must be int64 [n]");
    const dims = s.knownDims;
    if (!dims) {
      const len = s.shape[0];
      if (typeof len !== "number") fail("Reshape", inputs, "target rank unknown");
      return [tt(x.dtype, Array.from({ length: len }, () => freshDim()))];
    }
    const out: Dim[] = dims.map((d, i) => (d === 0 ? x.shape[i] : d));
    const inferAt = out.indexOf(-1);
    if (inferAt >= 0) {
      const total = numel(x.shape);
      const rest = numel(out.filter((_, i) => i !== inferAt));
      if (total !== undefined && rest !== undefined) {
        if (rest === 0 || total % rest !== 0) {
          fail("Reshape", inputs, `cannot reshape ${total} elements to [${dims}]`);
        }
        out[inferAt] = total / rest;
      } else out[inferAt] = freshDim();
    } else {
      const a = numel(x.shape), b = numel(out);
      if (a !== undefined && b !== undefined && a !== b) {
        fail("Reshape", inputs, `cannot reshape ${a} elements to [${out}]`);
      }
    }
    return [tt(x.dtype, out)];
  },
  vjp: (n, [g]) => [reshape(g!, shapeOf(n.inputs[0]!)), null],
};
/** Reshapes `x` (0 copies a dim, -1 infers one). */
export function reshape(x: Value, shape: ShapeArg): Value {
  const s = shapeValue(x, shape);
  if (
    s.knownDims && s.knownDims.length === x.rank && s.knownDims.every((d, i) => d === x.shape[i])
  ) {
    return x;
  }
  return x.graph.addNode(Reshape, [x, s])[0];
}

// ---- Transpose ---------------------------------------------------------------------

/** `Transpose(x, perm)`. Gradient: transpose by the inverse permutation. */
export const Transpose: OpDef = {
  opType: "Transpose",
  domain: "",
  attrs: { perm: "ints" },
  infer: (inputs, attrs) => {
    const x = inputs[0]!;
    const perm = attrInts(attrs, "perm", undefined)!;
    if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) {
      fail("Transpose", inputs, `perm [${perm}] is not a permutation of rank ${x.rank}`);
    }
    return [tt(x.dtype, perm.map((p) => x.shape[p]))];
  },
  vjp: (n, [g]) => {
    const perm = n.attrs.perm as number[];
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [transpose(g!, inv)];
  },
};
/** Permutes the axes of `x`. */
export const transpose = (x: Value, perm: number[]): Value =>
  x.graph.addNode(Transpose, [x], { perm })[0];

// ---- Concat / Split ----------------------------------------------------------------

/** `Concat(xs, axis)`. Gradient: split of g at the inputs' sizes (sizes must be known). */
export const Concat: OpDef = {
  opType: "Concat",
  domain: "",
  attrs: { axis: "int" },
  infer: (inputs, attrs) => {
    const xs = inputs as Value[];
    const axis = normAxis("Concat", inputs, attrNum(attrs, "axis", 0), xs[0].rank);
    const out = [...xs[0].shape];
    let total: Dim = 0;
    for (const x of xs) {
      if (x.dtype !== xs[0].dtype || x.rank !== xs[0].rank) {
        fail("Concat", inputs, "inputs differ in dtype or rank");
      }
      x.shape.forEach((d, i) => {
        if (i !== axis && typeof d === "number" && typeof out[i] === "number" && d !== out[i]) {
          fail("Concat", inputs, `dim ${i} differs (${d} vs ${out[i]})`);
        }
      });
      const d = x.shape[axis];
      total = typeof total === "number" && typeof d === "number" ? total + d : freshDim();
    }
    out[axis] = total;
    return [tt(xs[0].dtype, out)];
  },
  vjp: (n, [g], needs) => {
    const xs = n.inputs as Value[];
    const axis = normAxis("Concat", xs, n.attrs.axis as number, xs[0].rank);
    const sizes = xs.map((x) => x.shape[axis]);
    if (sizes.some((s) => typeof s !== "number")) {
      fail("Concat", xs, "gradient needs concrete sizes along the concat axis");
    }
    const parts = split(g!, axis, sizes as number[]);
    return parts.map((p, i) => (needs[i] ? p : null));
  },
};
/** Concatenates along `axis`. */
export const concat = (xs: Value[], axis: number): Value =>
  xs[0].graph.addNode(Concat, xs, { axis })[0];

/** `Split(x, sizes, axis)`. Gradient: concat of the output gradients (zeros for unused parts). */
export const Split: OpDef = {
  opType: "Split",
  domain: "",
  attrs: { axis: "int" },
  infer: (inputs, attrs) => {
    const [x, sizes] = inputs as Value[];
    const axis = normAxis("Split", inputs, attrNum(attrs, "axis", 0), x.rank);
    const parts = sizes.knownDims as number[];
    const d = x.shape[axis];
    const sum = parts.reduce((a, b) => a + b, 0);
    if (typeof d === "number" && d !== sum) {
      fail("Split", inputs, `sizes [${parts}] sum to ${sum}, axis ${axis} has ${d}`);
    }
    return parts.map((p) => {
      const s = [...x.shape];
      s[axis] = p;
      return tt(x.dtype, s);
    });
  },
  vjp: (n, gs) => {
    const axis = n.attrs.axis as number;
    const parts = gs.map((g, i) => g ?? zerosLike(n.outputs[i]));
    return [concat(parts, axis), null];
  },
};
/** Splits `x` along `axis` into pieces of the given sizes. */
export function split(x: Value, axis: number, sizes: number[]): Value[] {
  const s = ints(x, sizes);
  s.knownDims = [...sizes];
  return x.graph.addNode(Split, [x, s], { axis });
}

// ---- Slice -------------------------------------------------------------------------

/** Arguments of {@link slice}: per listed axis, start/end (negative counts from the end). */
export interface SliceArgs {
  starts: number[];
  ends: number[];
  axes: number[];
  steps?: number[];
}

const INT_MAX = Number.MAX_SAFE_INTEGER;

/** `Slice(x, starts, ends, axes, steps)`. Gradient (step 1): zero-pad g back to x's shape. */
export const Slice: OpDef = {
  opType: "Slice",
  domain: "",
  infer: (inputs) => {
    const [x, st, en, ax, sp] = inputs as Value[];
    const starts = st.knownDims as number[], ends = en.knownDims as number[];
    const axes = ax.knownDims as number[], steps = sp?.knownDims as number[] | undefined;
    const out = [...x.shape];
    axes.forEach((a0, i) => {
      const a = normAxis("Slice", inputs, a0, x.rank);
      const d = x.shape[a];
      const step = steps?.[i] ?? 1;
      if (typeof d !== "number") {
        out[a] = freshDim();
        return;
      }
      // ONNX: negative indices count from the end; then starts clamp to [0, d] and ends to
      // [0, d] for a positive step, to [0, d - 1] and [-1, d - 1] for a negative one.
      const clamp = (v: number, lo: number, hi: number) =>
        Math.max(lo, Math.min(hi, v < 0 ? v + d : v));
      const s = step > 0 ? clamp(starts[i], 0, d) : clamp(starts[i], 0, d - 1);
      const e = step > 0 ? clamp(ends[i], 0, d) : clamp(ends[i], -1, d - 1);
      if (d === 0) out[a] = 0;
      else if (step > 0) out[a] = Math.max(0, Math.ceil((e - s) / step));
      else out[a] = Math.max(0, Math.ceil((s - e) / -step));
    });
    return [tt(x.dtype, out)];
  },
  vjp: (n, [g]) => {
    const [x, st, en, ax, sp] = n.inputs as Value[];
    if (sp && (sp.knownDims as number[]).some((s) => s !== 1)) {
      fail("Slice", n.inputs, "gradient is only defined for step 1");
    }
    // pads computed at run time from x's dims: begin = norm(start), end = dim - norm(end).
    const axes = (ax.knownDims as number[]).map((a) => (a < 0 ? a + x.rank : a));
    const dims = gatherDims(x, axes);
    const norm = (v: Value) => clipInt(whereNeg(v, dims), dims);
    const begin = norm(st), end = norm(en);
    const pads = concat([begin, subInt(dims, end)], 0);
    return n.inputs.map((_, i) => (i === 0 ? pad(g!, pads, axes) : null));
  },
};
/** Slices `x` along the given axes. */
export function slice(x: Value, args: SliceArgs): Value {
  const mk = (v: number[]) => {
    const c = ints(x, v.map((k) => Math.max(-INT_MAX, Math.min(INT_MAX, k))));
    c.knownDims = [...v];
    return c;
  };
  const inputs = [x, mk(args.starts), mk(args.ends), mk(args.axes)];
  if (args.steps) inputs.push(mk(args.steps));
  return x.graph.addNode(Slice, inputs)[0];
}

// Small int64 helpers for run-time pad computation (not differentiable, no rules needed).
function gatherDims(x: Value, axes: number[]): Value {
  return gather(x.graph.addNode(Shape, [x])[0], ints(x, axes), 0);
}
function whereNeg(v: Value, dims: Value): Value {
  const zero = ints(v, [0]);
  const isNeg = v.graph.addNode(Greater, [zero, v])[0];
  return v.graph.addNode(Where, [isNeg, v.graph.addNode(Add, [v, dims])[0], v])[0];
}
function clipInt(v: Value, dims: Value): Value {
  const lo =
    v.graph.addNode(Where, [v.graph.addNode(Greater, [ints(v, [0]), v])[0], ints(v, [0]), v])[0];
  return v.graph.addNode(Where, [v.graph.addNode(Greater, [lo, dims])[0], dims, lo])[0];
}
function subInt(a: Value, b: Value): Value {
  return a.graph.addNode(Sub, [a, b])[0];
}

/** `Pad(x, pads, 0, axes)` (constant mode). Gradient: slice back. */
export const Pad: OpDef = {
  opType: "Pad",
  domain: "",
  infer: (inputs) => {
    const [x, , , axes] = inputs as Value[];
    const out = [...x.shape];
    for (const a of (axes?.knownDims as number[] | undefined) ?? out.map((_, i) => i)) {
      out[a] = freshDim();
    }
    return [tt(x.dtype, out)];
  },
};
/** Zero-pads `x` on the given axes; `pads` = [begin..., end...] as int64. */
export function pad(x: Value, pads: Value, axes: number[]): Value {
  const a = ints(x, axes);
  a.knownDims = [...axes];
  return x.graph.addNode(Pad, [x, pads, null, a])[0];
}

// ---- Squeeze / Unsqueeze / Expand ----------------------------------------------------

/** `Unsqueeze(x, axes)`. Gradient: reshape back. */
export const Unsqueeze: OpDef = {
  opType: "Unsqueeze",
  domain: "",
  infer: (inputs) => {
    const [x, ax] = inputs as Value[];
    const rank = x.rank + ax.knownDims!.length;
    const axes = (ax.knownDims as number[]).map((a) => normAxis("Unsqueeze", inputs, a, rank));
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[j++]);
    return [tt(x.dtype, out)];
  },
  vjp: (n, [g]) => [reshape(g!, shapeOf(n.inputs[0]!)), null],
};
/** Inserts size-1 axes. */
export function unsqueeze(x: Value, axes: number[]): Value {
  const a = ints(x, axes);
  a.knownDims = [...axes];
  return x.graph.addNode(Unsqueeze, [x, a])[0];
}

/** `Squeeze(x, axes)`. Gradient: reshape back. */
export const Squeeze: OpDef = {
  opType: "Squeeze",
  domain: "",
  infer: (inputs) => {
    const [x, ax] = inputs as Value[];
    const axes = (ax.knownDims as number[]).map((a) => normAxis("Squeeze", inputs, a, x.rank));
    for (const a of axes) {
      if (typeof x.shape[a] === "number" && x.shape[a] !== 1) {
        fail("Squeeze", inputs, `axis ${a} has size ${x.shape[a]}, not 1`);
      }
    }
    return [tt(x.dtype, x.shape.filter((_, i) => !axes.includes(i)))];
  },
  vjp: (n, [g]) => [reshape(g!, shapeOf(n.inputs[0]!)), null],
};
/** Removes size-1 axes. */
export function squeeze(x: Value, axes: number[]): Value {
  const a = ints(x, axes);
  a.knownDims = [...axes];
  return x.graph.addNode(Squeeze, [x, a])[0];
}

/** `Expand(x, shape)` (broadcast to a shape). Gradient: sum back to x's shape. */
export const Expand: OpDef = {
  opType: "Expand",
  domain: "",
  infer: (inputs) => {
    const [x, s] = inputs as Value[];
    const dims = s.knownDims ?? Array.from({ length: s.shape[0] as number }, () => freshDim());
    const rank = Math.max(dims.length, x.rank);
    const out: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      const a = x.shape[x.rank - rank + i] ?? 1, b = dims[dims.length - rank + i] ?? 1;
      if (typeof a === "number" && typeof b === "number" && a !== 1 && b !== 1 && a !== b) {
        fail("Expand", inputs, `cannot expand dim ${a} to ${b}`);
      }
      out.push(a === 1 ? b : a);
    }
    return [tt(x.dtype, out)];
  },
  vjp: (n, [g]) => [sumTo(g!, n.inputs[0]!), null],
};
/** Broadcasts `x` to a shape. */
export const expand = (x: Value, shape: ShapeArg): Value =>
  x.graph.addNode(Expand, [x, shapeValue(x, shape)])[0];
