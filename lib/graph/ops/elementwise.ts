/**
 * Elementwise ops with numpy broadcasting, each with its gradient rule beside it.
 * Gradients of broadcast inputs are summed back to the input's shape ({@link sumTo}).
 *
 * @module
 */

import { type DType, isFloat, ONNX_DTYPE } from "../dtype.ts";
import type { Node, OpDef, Value } from "../ir.ts";
import { broadcastShapes, fail, sameDtype, scalarLike, tt } from "./_util.ts";
import { reduceSum } from "./reduce.ts";
import { reshape, shapeOf } from "./shape.ts";

/** A number is lifted to a scalar constant of the other operand's dtype. */
export type Operand = Value | number;

function lift(x: Operand, like: Value): Value {
  return typeof x === "number" ? scalarLike(like, x) : x;
}

function binary(opType: string, vjp?: OpDef["vjp"]): OpDef {
  return {
    opType,
    domain: "",
    infer: (inputs) => {
      const [a, b] = inputs as Value[];
      return [tt(sameDtype(opType, inputs), broadcastShapes(opType, [a, b]))];
    },
    vjp,
  };
}

function unary(opType: string, vjp: OpDef["vjp"], floatOnly = true): OpDef {
  return {
    opType,
    domain: "",
    infer: (inputs) => {
      const x = inputs[0]!;
      if (floatOnly && !isFloat(x.dtype)) fail(opType, inputs, `needs a float input`);
      return [tt(x.dtype, x.shape)];
    },
    vjp,
  };
}

function comparison(opType: string): OpDef {
  return {
    opType,
    domain: "",
    infer: (inputs) => {
      sameDtype(opType, inputs);
      return [tt("bool", broadcastShapes(opType, inputs as Value[]))];
    },
    vjp: (n) => n.inputs.map(() => null),
  };
}

/**
 * Sums a broadcast gradient back to the shape of `x`: reduces the leading axes `x` lacks
 * and the axes where `x` has size 1, then reshapes to `x`'s shape.
 */
export function sumTo(g: Value, x: Value): Value {
  const lead = g.rank - x.rank;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    const xd = i < lead ? undefined : x.shape[i - lead];
    if (xd === undefined || (xd === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return g;
  const summed = reduceSum(g, axes, { keepdims: true });
  return reshape(summed, shapeOf(x));
}

// ---- binary arithmetic -------------------------------------------------------------

/** `a + b`. Gradient: g to both (summed to each shape). */
export const Add = binary("Add", (n, [g], needs) => [
  needs[0] ? sumTo(g!, n.inputs[0]!) : null,
  needs[1] ? sumTo(g!, n.inputs[1]!) : null,
]);
/** Elementwise sum with broadcasting. */
export const add = (a: Value, b: Operand): Value => a.graph.addNode(Add, [a, lift(b, a)])[0];

/** `a - b`. Gradient: g, -g. */
export const Sub = binary("Sub", (n, [g], needs) => [
  needs[0] ? sumTo(g!, n.inputs[0]!) : null,
  needs[1] ? sumTo(neg(g!), n.inputs[1]!) : null,
]);
/** Elementwise difference with broadcasting. */
export const sub = (a: Value, b: Operand): Value => a.graph.addNode(Sub, [a, lift(b, a)])[0];

/** `a * b`. Gradient: g*b, g*a. */
export const Mul = binary("Mul", (n, [g], needs) => {
  const [a, b] = n.inputs as Value[];
  return [needs[0] ? sumTo(mul(g!, b), a) : null, needs[1] ? sumTo(mul(g!, a), b) : null];
});
/** Elementwise product with broadcasting. */
export const mul = (a: Value, b: Operand): Value => a.graph.addNode(Mul, [a, lift(b, a)])[0];

/** `a / b`. Gradient: g/b, -g*y/b. */
export const Div = binary("Div", (n, [g], needs) => {
  const [a, b] = n.inputs as Value[];
  const y = n.outputs[0];
  return [
    needs[0] ? sumTo(div(g!, b), a) : null,
    needs[1] ? sumTo(neg(div(mul(g!, y), b)), b) : null,
  ];
});
/** Elementwise quotient with broadcasting. */
export const div = (a: Value, b: Operand): Value => a.graph.addNode(Div, [a, lift(b, a)])[0];

/** `a ** b`. Gradient: g*b*a^(b-1), g*y*log(a). */
export const Pow = binary("Pow", (n, [g], needs) => {
  const [a, b] = n.inputs as Value[];
  const y = n.outputs[0];
  return [
    needs[0] ? sumTo(mul(mul(g!, b), pow(a, sub(b, 1))), a) : null,
    needs[1] ? sumTo(mul(mul(g!, y), log(a)), b) : null,
  ];
});
/** Elementwise power with broadcasting. */
export const pow = (a: Value, b: Operand): Value => a.graph.addNode(Pow, [a, lift(b, a)])[0];

function maxMinRule(pick: (a: Value, b: Value) => Value): OpDef["vjp"] {
  return (n, [g], needs) => {
    const [a, b] = n.inputs as Value[];
    // Ties split the gradient evenly between the two inputs.
    const win = cast(pick(a, b), a.dtype);
    const tie = cast(equal(a, b), a.dtype);
    const wa = add(win, mul(tie, 0.5));
    const wb = sub(sub(scalarLike(a, 1), win), mul(tie, 0.5));
    return [
      needs[0] ? sumTo(mul(g!, wa), a) : null,
      needs[1] ? sumTo(mul(g!, wb), b) : null,
    ];
  };
}

/** Elementwise maximum of two tensors. Gradient to the larger input (ties: half each). */
export const Max = binary("Max", maxMinRule((a, b) => greater(a, b)));
/** Elementwise maximum with broadcasting. */
export const max = (a: Value, b: Operand): Value => a.graph.addNode(Max, [a, lift(b, a)])[0];

/** Elementwise minimum of two tensors. Gradient to the smaller input (ties: half each). */
export const Min = binary("Min", maxMinRule((a, b) => less(a, b)));
/** Elementwise minimum with broadcasting. */
export const min = (a: Value, b: Operand): Value => a.graph.addNode(Min, [a, lift(b, a)])[0];

// ---- unary -------------------------------------------------------------------------

/** `-x`. Gradient: -g. */
export const Neg = unary("Neg", (_n, [g]) => [neg(g!)], false);
/** Elementwise negation. */
export const neg = (x: Value): Value => x.graph.addNode(Neg, [x])[0];

/** `sqrt(x)`. Gradient: g / (2y). */
export const Sqrt = unary("Sqrt", (n, [g]) => [div(g!, mul(n.outputs[0], 2))]);
/** Elementwise square root. */
export const sqrt = (x: Value): Value => x.graph.addNode(Sqrt, [x])[0];

/** `1/x`. Gradient: -g*y^2. */
export const Reciprocal = unary("Reciprocal", (n, [g]) => {
  const y = n.outputs[0];
  return [neg(mul(g!, mul(y, y)))];
});
/** Elementwise reciprocal. */
export const reciprocal = (x: Value): Value => x.graph.addNode(Reciprocal, [x])[0];

/** `exp(x)`. Gradient: g*y. */
export const Exp = unary("Exp", (n, [g]) => [mul(g!, n.outputs[0])]);
/** Elementwise exponential. */
export const exp = (x: Value): Value => x.graph.addNode(Exp, [x])[0];

/** `log(x)`. Gradient: g/x. */
export const Log = unary("Log", (n, [g]) => [div(g!, n.inputs[0]!)]);
/** Elementwise natural logarithm. */
export const log = (x: Value): Value => x.graph.addNode(Log, [x])[0];

/** `tanh(x)`. Gradient: g*(1-y^2). */
export const Tanh = unary("Tanh", (n, [g]) => {
  const y = n.outputs[0];
  return [mul(g!, sub(scalarLike(y, 1), mul(y, y)))];
});
/** Elementwise hyperbolic tangent. */
export const tanh = (x: Value): Value => x.graph.addNode(Tanh, [x])[0];

/** `sigmoid(x)`. Gradient: g*y*(1-y). */
export const Sigmoid = unary("Sigmoid", (n, [g]) => {
  const y = n.outputs[0];
  return [mul(g!, mul(y, sub(scalarLike(y, 1), y)))];
});
/** Elementwise logistic sigmoid. */
export const sigmoid = (x: Value): Value => x.graph.addNode(Sigmoid, [x])[0];

/** `sign(x)`; not differentiable (zero gradient almost everywhere). */
export const Sign = unary("Sign", () => [null], false);
/** Elementwise sign. */
export const sign = (x: Value): Value => x.graph.addNode(Sign, [x])[0];

/** `|x|`. Gradient: g*sign(x) (0 at 0). */
export const Abs = unary("Abs", (n, [g]) => [mul(g!, sign(n.inputs[0]!))], false);
/** Elementwise absolute value. */
export const abs = (x: Value): Value => x.graph.addNode(Abs, [x])[0];

/** `clip(x, lo, hi)` with scalar bounds as inputs. Gradient: g where lo <= x <= hi, else 0. */
export const Clip: OpDef = {
  opType: "Clip",
  domain: "",
  infer: (inputs) => {
    const x = inputs[0]!;
    sameDtype("Clip", inputs);
    for (const b of inputs.slice(1)) {
      if (b && b.rank !== 0) fail("Clip", inputs, "bounds must be scalars");
    }
    return [tt(x.dtype, x.shape)];
  },
  vjp: (n, [g]) => {
    const [x, lo, hi] = n.inputs;
    let inside: Value | null = null;
    if (lo) inside = greaterOrEqual(x!, lo);
    if (hi) {
      const le = lessOrEqual(x!, hi);
      inside = inside ? and(inside, le) : le;
    }
    const grad = inside ? where(inside, g!, scalarLike(g!, 0)) : g!;
    return [grad, null, null];
  },
};
/** Clamps to `[lo, hi]`; either bound may be omitted. */
export function clip(x: Value, lo?: Operand, hi?: Operand): Value {
  return x.graph.addNode(Clip, [
    x,
    lo === undefined ? null : lift(lo, x),
    hi === undefined ? null : lift(hi, x),
  ])[0];
}

/** `where(cond, a, b)`. Gradient: g masked to each branch. */
export const Where: OpDef = {
  opType: "Where",
  domain: "",
  infer: (inputs) => {
    const [c, a, b] = inputs as Value[];
    if (c.dtype !== "bool") fail("Where", inputs, "condition must be bool");
    return [tt(sameDtype("Where", [a, b]), broadcastShapes("Where", [c, a, b]))];
  },
  vjp: (n, [g], needs) => {
    const [c, a, b] = n.inputs as Value[];
    const zero = scalarLike(g!, 0);
    return [
      null,
      needs[1] ? sumTo(where(c, g!, zero), a) : null,
      needs[2] ? sumTo(where(c, zero, g!), b) : null,
    ];
  },
};
/** Selects `a` where `cond`, else `b` (broadcasting). */
export function where(cond: Value, a: Operand, b: Operand): Value {
  const like = typeof a === "number" ? b as Value : a;
  return cond.graph.addNode(Where, [cond, lift(a, like), lift(b, like)])[0];
}

/** Converts dtype. Gradient: cast back (float inputs only). */
export const Cast: OpDef = {
  opType: "Cast",
  domain: "",
  attrs: { to: "int" },
  infer: (inputs, attrs) => [tt(DTYPE_OF_CODE[attrs.to as number], inputs[0]!.shape)],
  vjp: (n, [g]) => {
    const x = n.inputs[0]!;
    return [isFloat(x.dtype) && isFloat(n.outputs[0].dtype) ? cast(g!, x.dtype) : null];
  },
};
const DTYPE_OF_CODE = Object.fromEntries(
  Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k as DType]),
) as Record<number, DType>;
/** Converts `x` to `dtype` (no node when it already has it). */
export function cast(x: Value, dtype: DType): Value {
  return x.dtype === dtype ? x : x.graph.addNode(Cast, [x], { to: ONNX_DTYPE[dtype] })[0];
}

// ---- comparisons and logic (no gradients) -------------------------------------------

/** `a == b` (bool). */
export const Equal = comparison("Equal");
/** Elementwise equality. */
export const equal = (a: Value, b: Operand): Value => a.graph.addNode(Equal, [a, lift(b, a)])[0];
/** `a > b` (bool). */
export const Greater = comparison("Greater");
/** Elementwise greater-than. */
export const greater = (a: Value, b: Operand): Value =>
  a.graph.addNode(Greater, [a, lift(b, a)])[0];
/** `a < b` (bool). */
export const Less = comparison("Less");
/** Elementwise less-than. */
export const less = (a: Value, b: Operand): Value => a.graph.addNode(Less, [a, lift(b, a)])[0];
/** `a >= b` (bool). */
export const GreaterOrEqual = comparison("GreaterOrEqual");
/** Elementwise greater-or-equal. */
export const greaterOrEqual = (a: Value, b: Operand): Value =>
  a.graph.addNode(GreaterOrEqual, [a, lift(b, a)])[0];
/** `a <= b` (bool). */
export const LessOrEqual = comparison("LessOrEqual");
/** Elementwise less-or-equal. */
export const lessOrEqual = (a: Value, b: Operand): Value =>
  a.graph.addNode(LessOrEqual, [a, lift(b, a)])[0];
/** Logical and of two bool tensors. */
export const And = comparison("And");
/** Elementwise logical and. */
export const and = (a: Value, b: Value): Value => a.graph.addNode(And, [a, b])[0];
/** Logical not of a bool tensor. */
export const Not = unary("Not", () => [null], false);
/** Elementwise logical not. */
export const not = (x: Value): Value => x.graph.addNode(Not, [x])[0];

/** Gradient rule signature re-exported for kernels. */
export type VjpRule = (node: Node, grads: (Value | null)[], needs: boolean[]) => (Value | null)[];
