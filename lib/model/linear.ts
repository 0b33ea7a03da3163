/**
 * `linear(x, W)`: the projection `x [N, in] @ W^T` of an HF linear weight `W [out, in]`,
 * without a Transpose node.
 *
 * float32 uses com.microsoft `FusedMatMul` (MatMul with transA/transB flags): forward
 * `FusedMatMul(x, W, transB)`, gradients `dx = MatMul(g, W)` and `dW = FusedMatMul(g, x,
 * transA)`, so neither the weight nor the activations are ever copied into a transposed
 * layout (except an LM head's gradient, see `weightGrad`). At config M's shapes (1024 rows,
 * 2 threads, 2026-11-27) FusedMatMul, Gemm and MatMul after an explicit Transpose ran within
 * ~15% of each other, in no stable order on this shared VM. `FusedMatMul` has no float64 kernel, so float64 graphs (gradient checks)
 * use `Gemm(transB)`.
 *
 * @module
 */

import { type Dim, op, type OpDef, type Value } from "../graph/mod.ts";

/** com.microsoft FusedMatMul on 2-D inputs: `alpha * op(A) @ op(B)` (alpha fixed to 1). */
export const FUSED_MATMUL: OpDef = {
  opType: "FusedMatMul",
  domain: "com.microsoft",
  attrs: { transA: "int", transB: "int" },
  infer: (inputs, attrs) => {
    const [a, b] = inputs as Value[];
    if (a.rank !== 2 || b.rank !== 2 || a.dtype !== "float32" || b.dtype !== "float32") {
      throw new Error(`FusedMatMul(${a.describe()}, ${b.describe()}): needs 2-D float32 inputs`);
    }
    const [m, k1]: Dim[] = attrs.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const [k2, n]: Dim[] = attrs.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
      throw new Error(
        `FusedMatMul(${a.describe()}, ${b.describe()}): inner dimensions differ (${k1} vs ${k2})`,
      );
    }
    return [{ dtype: "float32", shape: [m, n] }];
  },
  vjp: (node, [g], needs) => {
    const [a, b] = node.inputs as Value[];
    const ta = node.attrs.transA === 1, tb = node.attrs.transB === 1;
    // C = op(A) op(B): d op(A) = G op(B)^T, d op(B) = op(A)^T G; transpose back where op did.
    const da = needs[0] ? (ta ? fused(b, g!, tb, true) : fused(g!, b, false, !tb)) : null;
    const db = needs[1] ? (tb ? weightGrad(g!, a, ta, b) : fused(a, g!, !ta, false)) : null;
    return [da, db];
  },
};

/**
 * `d W = G^T op(A)` for `C = op(A) W^T`: one FusedMatMul with transA, except for a weight with
 * far more rows than columns (an LM head, `[vocab, hidden]`), where `(op(A)^T G)^T` is faster:
 * config M's head gradient, [32768, 512] from 1024 rows, took 153 ms instead of 198 ms
 * (isolated, 2 threads, alternated 3x, 2026-12-02), the Transpose of the result included; at the
 * layers' shapes the two ran within 5%.
 */
function weightGrad(g: Value, a: Value, ta: boolean, w: Value): Value {
  const [rows, cols] = w.shape;
  if (typeof rows === "number" && typeof cols === "number" && rows >= 8 * cols) {
    return op.transpose(fused(a, g, !ta, false), [1, 0]);
  }
  return fused(g, a, true, ta);
}

function fused(a: Value, b: Value, transA: boolean, transB: boolean): Value {
  if (!transA && !transB) return op.matmul(a, b);
  return a.graph.addNode(FUSED_MATMUL, [a, b], {
    transA: transA ? 1 : 0,
    transB: transB ? 1 : 0,
  })[0];
}

/**
 * `x [N, in] @ W^T` for an HF linear weight `W [out, in]` -> [N, out].
 *
 * @param x activations, 2-D
 * @param w the weight in HF layout
 * @returns the projection
 */
export function linear(x: Value, w: Value): Value {
  return x.dtype === "float32" ? fused(x, w, false, true) : op.gemm(x, w, { transB: true });
}
