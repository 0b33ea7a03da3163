import assert from "node:assert/strict";
import { grad, Graph, type HostTensor, op, type Value } from "../../lib/graph/mod.ts";
import { FUSED_MATMUL, linear } from "../../lib/model/linear.ts";
import { runOnce } from "./_graph_fixtures.ts";

function randomF32(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from(
    { length: n },
    () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1,
  );
}

/** Gradients of sum(w * f(a, b)) w.r.t. a and b, plus the forward value, in float32. */
async function gradsOf(
  shapes: [number[], number[]],
  f: (a: Value, b: Value) => Value,
): Promise<Record<string, HostTensor>> {
  const g = new Graph("fused");
  const a = g.input("a", "float32", shapes[0]), b = g.input("b", "float32", shapes[1]);
  const y = f(a, b);
  const n = (y.shape as number[]).reduce((x, z) => x * z, 1);
  const w = op.constant(y, "float32", y.shape as number[], randomF32(n, 99));
  const [da, db] = grad(op.reduceSum(op.mul(y, w), [0, 1]), [a, b]);
  g.output(y, "y");
  g.output(da, "da");
  g.output(db, "db");
  const feed = (s: number[], seed: number): HostTensor => ({
    dtype: "float32",
    shape: s,
    data: randomF32(s[0] * s[1], seed),
  });
  return await runOnce(g, { a: feed(shapes[0], 1), b: feed(shapes[1], 2) });
}

const t = (x: Value) => op.transpose(x, [1, 0]);

for (const [ta, tb] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
  Deno.test(`FusedMatMul(transA=${ta}, transB=${tb}) value and gradients equal MatMul of explicit transposes`, async () => {
    const shapes: [number[], number[]] = [ta ? [5, 3] : [3, 5], tb ? [4, 5] : [5, 4]];
    const fused = await gradsOf(
      shapes,
      (a, b) => a.graph.addNode(FUSED_MATMUL, [a, b], { transA: ta, transB: tb })[0],
    );
    const plain = await gradsOf(shapes, (a, b) => op.matmul(ta ? t(a) : a, tb ? t(b) : b));
    for (const k of ["y", "da", "db"]) {
      assert.deepStrictEqual(fused[k].shape, plain[k].shape, k);
      const x = fused[k].data as Float32Array, y = plain[k].data as Float32Array;
      for (let i = 0; i < x.length; i++) {
        assert.ok(Math.abs(x[i] - y[i]) < 1e-5, `${k}[${i}]: ${x[i]} vs ${y[i]}`);
      }
    }
  });
}

for (const ta of [0, 1]) {
  Deno.test(`FusedMatMul(transA=${ta}, transB=1) with a head-shaped weight (rows >= 8 x columns: the transposed gradient form) equals MatMul of explicit transposes`, async () => {
    const shapes: [number[], number[]] = [ta ? [5, 3] : [3, 5], [48, 5]];
    const f = (a: Value, b: Value) =>
      a.graph.addNode(FUSED_MATMUL, [a, b], { transA: ta, transB: 1 })[0];
    const fused = await gradsOf(shapes, f);
    const plain = await gradsOf(shapes, (a, b) => op.matmul(ta ? t(a) : a, t(b)));
    for (const k of ["y", "da", "db"]) {
      assert.deepStrictEqual(fused[k].shape, plain[k].shape, k);
      const x = fused[k].data as Float32Array, y = plain[k].data as Float32Array;
      for (let i = 0; i < x.length; i++) {
        assert.ok(Math.abs(x[i] - y[i]) < 1e-5, `${k}[${i}]: ${x[i]} vs ${y[i]}`);
      }
    }
    // The weight's gradient is the transposed product: FusedMatMul(op(a), g) then a Transpose.
    const g = new Graph("wide");
    const a = g.input("a", "float32", shapes[0]), b = g.input("b", "float32", shapes[1]);
    const [db] = grad(op.reduceSum(f(a, b), [0, 1]), [b]);
    assert.equal(g.nodes.find((n) => n.outputs[0] === db)?.opType, "Transpose");
  });
}

Deno.test("linear() uses FusedMatMul(transB) in float32 and Gemm(transB) in float64, never a Transpose", () => {
  for (const [dtype, want] of [["float32", "FusedMatMul"], ["float64", "Gemm"]] as const) {
    const g = new Graph("lin");
    const y = linear(g.input("x", dtype, ["n", 6]), g.input("w", dtype, [4, 6]));
    assert.deepStrictEqual(y.shape, ["n", 4]);
    assert.deepStrictEqual(g.nodes.map((n) => n.opType), [want]);
  }
  const g = new Graph("bad");
  assert.throws(
    () => linear(g.input("x", "float32", [2, 6]), g.input("w", "float32", [4, 5])),
    /inner dimensions differ \(6 vs 5\)/,
  );
});
