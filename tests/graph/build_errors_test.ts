import assert from "node:assert/strict";
import {
  encodeModel,
  grad,
  Graph,
  GraphError,
  op,
  type OpDef,
  Session,
} from "../../lib/graph/mod.ts";
import { attention, rmsNorm } from "../../kernels/mod.ts";

Deno.test("a MatMul shape mismatch fails at build time naming the op and both values", () => {
  const g = new Graph();
  const a = g.input("activations", "float32", [4, 8]);
  const w = g.input("weight", "float32", [6, 16]);
  assert.throws(
    () => op.matmul(a, w),
    (e: Error) =>
      e instanceof GraphError &&
      /MatMul\(activations \[4,8\] float32, weight \[6,16\] float32\)/.test(e.message) &&
      /inner dimensions differ \(8 vs 6\)/.test(e.message),
  );
});

Deno.test("a broadcast mismatch names the axis and sizes", () => {
  const g = new Graph();
  const a = g.input("a", "float32", [2, 3]);
  const b = g.input("b", "float32", [4]);
  assert.throws(
    () => op.add(a, b),
    /Add\(a \[2,3\] float32, b \[4\] float32\): shapes do not broadcast at axis 1 \(3 vs 4\)/,
  );
});

Deno.test("a dtype mismatch names both dtypes", () => {
  const g = new Graph();
  const a = g.input("a", "float32", [2]);
  const b = g.input("b", "float64", [2]);
  assert.throws(() => op.mul(a, b), /Mul\(a \[2\] float32, b \[2\] float64\): dtype mismatch/);
});

Deno.test("a kernel with wrong shapes fails with the kernel name", () => {
  const g = new Graph();
  const x = g.input("x", "float32", [2, 8]);
  const w = g.input("w", "float32", [7]);
  assert.throws(
    () => rmsNorm(x, w, 1e-6),
    /RMSNorm\(x \[2,8\] float32, w \[7\] float32\): last dim vs weight size: 8 vs 7/,
  );
  const q = g.input("q", "float32", [1, 4, 3, 8]);
  const k = g.input("k", "float32", [1, 3, 3, 8]);
  const bias = g.input("bias", "float32", [1, 1, 3, 3]);
  assert.throws(
    () => attention(q, k, k, bias, { numHeads: 4, numKvHeads: 3 }),
    /4 heads over 3 kv heads/,
  );
});

Deno.test("differentiating through an op without a gradient rule names the op and the value", () => {
  const g = new Graph();
  const x = g.input("x", "float32", [3]);
  const NoRule: OpDef = {
    opType: "Erf",
    domain: "",
    infer: ([v]) => [{ dtype: v!.dtype, shape: [...v!.shape] }],
  };
  const y = g.addNode(NoRule, [x])[0];
  const loss = op.reduceSum(y, [0]);
  assert.throws(() => grad(loss, [x]), /no gradient rule for Erf \(needed for x \[3\] float32\)/);
});

Deno.test("grad() rejects integer values and unknown attributes are rejected", () => {
  const g = new Graph();
  const ids = g.input("ids", "int64", [3]);
  assert.throws(() => grad(ids, [ids]), /ids \[3\] int64 is not a float value/);
  const x = g.input("x", "float32", [3]);
  assert.throws(
    () => g.addNode({ ...op.Softmax }, [x], { axes: 1 }),
    /Softmax: unknown attribute "axes"/,
  );
});

Deno.test("gradients flow only into float inputs; ids get none and an unused input gets zeros", async () => {
  const g = new Graph();
  const e = g.input("e", "float32", [4, 2]);
  const ids = g.input("ids", "int64", [3]);
  const unused = g.input("unused", "float32", [2]);
  const loss = op.reduceSum(op.gather(e, ids, 0), [0, 1]);
  const [ge, gu] = grad(loss, [e, unused]);
  assert.deepEqual(ge.shape, [4, 2]);
  assert.deepEqual(gu.shape, [2]);
  g.output(ge, "ge");
  g.output(gu, "gu");
  const s = await Session.create(encodeModel(g), { ep: "cpu" });
  const out = await s.run({
    e: { dtype: "float32", shape: [4, 2], data: new Float32Array(8) },
    ids: { dtype: "int64", shape: [3], data: BigInt64Array.from([0n, 2n, 2n]) },
    unused: { dtype: "float32", shape: [2], data: new Float32Array(2) },
  });
  // Row r of the embedding gradient counts how often id r occurs.
  assert.deepEqual([...out.ge.data as Float32Array], [1, 1, 0, 0, 2, 2, 0, 0]);
  assert.deepEqual([...out.gu.data as Float32Array], [0, 0]);
  await s.release();
});

Deno.test("a graph with no outputs cannot be encoded", () => {
  assert.throws(() => encodeModel(new Graph("empty")), /graph "empty" has no outputs/);
});
