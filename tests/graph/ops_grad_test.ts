import assert from "node:assert/strict";
import { grad, Graph, op, type Value } from "../../lib/graph/mod.ts";
import { type CheckInput, gradCheck, randoms } from "./_gradcheck.ts";

/** One gradient-check case: inputs and the function of them. */
interface Case {
  name: string;
  inputs: CheckInput[];
  fn: (xs: Value[]) => Value | Value[];
  /** Tolerance when float32 rounding sits inside the function. @default 1e-7 */
  tol?: number;
  h?: number;
}

const pos = (n: number, seed: number) => randoms(n, seed).map((v) => 0.5 + Math.abs(v));
const distinct = (n: number, seed: number) => randoms(n, seed).map((v, i) => v + i * 1e-3); // no exact ties for max/min

const cases: Case[] = [
  {
    name: "Add broadcasts [2,3,4] + [4]",
    inputs: [{ name: "a", shape: [2, 3, 4] }, { name: "b", shape: [4] }],
    fn: ([a, b]) => op.add(a, b),
  },
  {
    name: "Add broadcasts [2,1,4] + [3,1]",
    inputs: [{ name: "a", shape: [2, 1, 4] }, { name: "b", shape: [3, 1] }],
    fn: ([a, b]) => op.add(a, b),
  },
  {
    name: "Sub broadcasts [3,4] - [1,4]",
    inputs: [{ name: "a", shape: [3, 4] }, { name: "b", shape: [1, 4] }],
    fn: ([a, b]) => op.sub(a, b),
  },
  {
    name: "Mul broadcasts [2,3,4] * [2,1,4]",
    inputs: [{ name: "a", shape: [2, 3, 4] }, { name: "b", shape: [2, 1, 4] }],
    fn: ([a, b]) => op.mul(a, b),
  },
  {
    name: "Div broadcasts [2,3] / [3]",
    inputs: [{ name: "a", shape: [2, 3] }, { name: "b", shape: [3], values: pos(3, 2) }],
    fn: ([a, b]) => op.div(a, b),
  },
  {
    name: "Pow with tensor exponent",
    inputs: [{ name: "a", shape: [2, 3], values: pos(6, 3) }, { name: "b", shape: [3] }],
    fn: ([a, b]) => op.pow(a, b),
  },
  { name: "Neg", inputs: [{ name: "a", shape: [5] }], fn: ([a]) => op.neg(a) },
  {
    name: "Sqrt",
    inputs: [{ name: "a", shape: [2, 3], values: pos(6, 4) }],
    fn: ([a]) => op.sqrt(a),
  },
  {
    name: "Reciprocal",
    inputs: [{ name: "a", shape: [2, 3], values: pos(6, 5) }],
    fn: ([a]) => op.reciprocal(a),
  },
  { name: "Exp", inputs: [{ name: "a", shape: [2, 3] }], fn: ([a]) => op.exp(a) },
  {
    name: "Log",
    inputs: [{ name: "a", shape: [2, 3], values: pos(6, 6) }],
    fn: ([a]) => op.log(a),
  },
  { name: "Tanh", inputs: [{ name: "a", shape: [2, 3] }], fn: ([a]) => op.tanh(a) },
  { name: "Sigmoid", inputs: [{ name: "a", shape: [2, 3] }], fn: ([a]) => op.sigmoid(a) },
  { name: "Abs", inputs: [{ name: "a", shape: [2, 3] }], fn: ([a]) => op.abs(a) },
  {
    name: "Max broadcasts",
    inputs: [{ name: "a", shape: [2, 3], values: distinct(6, 7) }, {
      name: "b",
      shape: [3],
      values: distinct(3, 8),
    }],
    fn: ([a, b]) => op.max(a, b),
  },
  {
    name: "Min",
    inputs: [{ name: "a", shape: [2, 3], values: distinct(6, 9) }, {
      name: "b",
      shape: [2, 3],
      values: distinct(6, 10),
    }],
    fn: ([a, b]) => op.min(a, b),
  },
  {
    name: "Clip with both bounds",
    inputs: [{ name: "a", shape: [4, 3] }],
    fn: ([a]) => op.clip(a, -0.4, 0.3),
  },
  {
    name: "Where with broadcast branches",
    inputs: [{ name: "c", shape: [2, 3], dtype: "bool", values: [1, 0, 1, 0, 0, 1] }, {
      name: "a",
      shape: [2, 3],
    }, { name: "b", shape: [3] }],
    fn: ([c, a, b]) => op.where(c, a, b),
  },
  {
    name: "Cast to float32 and back",
    inputs: [{ name: "a", shape: [3] }],
    fn: ([a]) => op.mul(op.cast(op.mul(op.cast(a, "float32"), 1), "float64"), a),
    // float32 rounding (~6e-8 relative) inside the function limits the difference quotient.
    h: 1e-3,
    tol: 1e-3,
  },
  {
    name: "Reshape",
    inputs: [{ name: "a", shape: [2, 6] }],
    fn: ([a]) => op.exp(op.reshape(a, [3, -1, 2])),
  },
  {
    name: "Transpose (non-contiguous result)",
    inputs: [{ name: "a", shape: [2, 3, 4] }],
    fn: ([a]) => op.mul(op.transpose(a, [2, 0, 1]), op.transpose(a, [2, 0, 1])),
  },
  {
    name: "Concat",
    inputs: [{ name: "a", shape: [2, 3] }, { name: "b", shape: [2, 2] }],
    fn: ([a, b]) => op.tanh(op.concat([a, b], 1)),
  },
  {
    name: "Split with an unused part",
    inputs: [{ name: "a", shape: [5, 2] }],
    fn: ([a]) => {
      const [p, , r] = op.split(a, 0, [2, 1, 2]);
      return [op.exp(p), r];
    },
  },
  {
    name: "Slice with negative end",
    inputs: [{ name: "a", shape: [3, 5] }],
    fn: ([a]) => op.exp(op.slice(a, { starts: [1], ends: [-1], axes: [1] })),
  },
  {
    name: "Slice on two axes",
    inputs: [{ name: "a", shape: [4, 5] }],
    fn: ([a]) => op.slice(a, { starts: [1, -3], ends: [3, 1000], axes: [0, 1] }),
  },
  {
    name: "Squeeze/Unsqueeze",
    inputs: [{ name: "a", shape: [3, 1, 2] }],
    fn: ([a]) => op.unsqueeze(op.squeeze(op.exp(a), [1]), [0]),
  },
  {
    name: "Expand",
    inputs: [{ name: "a", shape: [3, 1] }],
    fn: ([a]) => op.mul(op.expand(a, [2, 3, 4]), op.constant(a, "float64", [4], [1, 2, 3, 4])),
  },
  {
    name: "Gather rows with repeated ids (embedding)",
    inputs: [{ name: "e", shape: [5, 3] }, {
      name: "ids",
      shape: [2, 3],
      dtype: "int64",
      values: [0, 4, 4, 2, 0, 0],
    }],
    fn: ([e, ids]) => op.gather(e, ids, 0),
  },
  {
    // The weight's two gradient contributions are summed by scattering the lookup's rows into
    // the head's dense gradient (autodiff's sumGradients).
    name: "a tied embedding: Gather rows, then a head on the same weight",
    inputs: [{ name: "e", shape: [5, 3] }, {
      name: "ids",
      shape: [4],
      dtype: "int64",
      values: [0, 4, 4, 2],
    }],
    fn: ([e, ids]) => op.matmul(op.tanh(op.gather(e, ids, 0)), op.transpose(e, [1, 0])),
  },
  {
    name: "GatherElements along the last axis",
    inputs: [{ name: "a", shape: [2, 4] }, {
      name: "i",
      shape: [2, 2],
      dtype: "int64",
      values: [3, 3, 0, 1],
    }],
    fn: ([a, i]) => op.gatherElements(a, i, 1),
  },
  {
    name: "ReduceSum keepdims",
    inputs: [{ name: "a", shape: [2, 3, 4] }],
    fn: ([a]) => op.reduceSum(op.mul(a, a), [1], { keepdims: true }),
  },
  {
    name: "ReduceSum over two axes",
    inputs: [{ name: "a", shape: [2, 3, 4] }],
    fn: ([a]) => op.reduceSum(a, [0, 2]),
  },
  {
    name: "ReduceMean",
    inputs: [{ name: "a", shape: [2, 3, 4] }],
    fn: ([a]) => op.reduceMean(op.exp(a), [-1]),
  },
  {
    name: "ReduceMax",
    inputs: [{ name: "a", shape: [3, 4], values: distinct(12, 11) }],
    fn: ([a]) => op.reduceMax(a, [1]),
  },
  { name: "Softmax", inputs: [{ name: "a", shape: [2, 5] }], fn: ([a]) => op.softmax(a, -1) },
  {
    name: "Softmax over axis 0",
    inputs: [{ name: "a", shape: [3, 2] }],
    fn: ([a]) => op.softmax(a, 0),
  },
  { name: "LogSoftmax", inputs: [{ name: "a", shape: [2, 5] }], fn: ([a]) => op.logSoftmax(a, -1) },
  {
    name: "MatMul batched with broadcast",
    inputs: [{ name: "a", shape: [2, 3, 4] }, { name: "b", shape: [1, 4, 5] }],
    fn: ([a, b]) => op.matmul(a, b),
  },
  {
    name: "MatMul with a 2-D weight",
    inputs: [{ name: "a", shape: [2, 3, 4] }, { name: "w", shape: [4, 5] }],
    fn: ([a, w]) => op.matmul(a, w),
  },
  {
    name: "MatMul 4-D",
    inputs: [{ name: "a", shape: [2, 2, 3, 4] }, { name: "b", shape: [2, 2, 4, 3] }],
    fn: ([a, b]) => op.matmul(a, b),
  },
  {
    name: "Gemm transA",
    inputs: [{ name: "a", shape: [4, 3] }, { name: "b", shape: [4, 5] }],
    fn: ([a, b]) => op.gemm(a, b, { transA: true }),
  },
  {
    name: "Gemm transB",
    inputs: [{ name: "a", shape: [3, 4] }, { name: "b", shape: [5, 4] }],
    fn: ([a, b]) => op.gemm(a, b, { transB: true }),
  },
  {
    name: "Gemm transA transB",
    inputs: [{ name: "a", shape: [4, 3] }, { name: "b", shape: [5, 4] }],
    fn: ([a, b]) => op.gemm(a, b, { transA: true, transB: true }),
  },
  { name: "Trilu", inputs: [{ name: "a", shape: [3, 3] }], fn: ([a]) => op.trilu(a, undefined, 0) },
  {
    name: "CumSum",
    inputs: [{ name: "a", shape: [2, 4] }],
    fn: ([a]) => op.cumsum(a, op.constant(a, "int64", [], [1])),
  },
  {
    name: "a value used twice sums its gradients",
    inputs: [{ name: "a", shape: [3] }],
    fn: ([a]) => op.mul(op.exp(a), a),
  },
];

for (const c of cases) {
  Deno.test(`gradient of ${c.name} matches finite differences in float64`, async () => {
    const r = await gradCheck(c.inputs, c.fn, { h: c.h });
    for (const [k, e] of Object.entries(r.perInput)) {
      assert(e < (c.tol ?? 1e-7), `${c.name}: input ${k} relative error ${e}`);
    }
  });
}

Deno.test("a tied embedding's gradient scatters the lookup's rows into the head's gradient: no zeros tensor, no Add", () => {
  const g = new Graph("tied");
  const e = g.input("e", "float32", [50, 4]), ids = g.input("ids", "int64", [6]);
  const logits = op.matmul(op.gather(e, ids, 0), op.transpose(e, [1, 0]));
  const [de] = grad(op.reduceSum(logits, [0, 1]), [e]);
  assert.equal(de.producer?.def.opType, "ScatterND");
  assert.equal(de.producer?.attrs.reduction, "add");
  assert.notEqual(de.producer?.inputs[0]?.producer?.def.opType, "ConstantOfShape");
});
