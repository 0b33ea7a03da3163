/**
 * Matrix products: MatMul (batched, broadcasting) and Gemm (2-D, transposes), with
 * gradient rules. A product with a 2-D weight computes both gradients as one 2-D MatMul
 * over all leading rows instead of a batched product plus a sum. They use MatMul with an
 * explicit Transpose, not Gemm's transA/transB: on onnxruntime 1.30 CPU, Gemm with
 * transA ran ~4x slower at these shapes (transformer block train step 600 -> 220 ms,
 * `deno task bench graph`, 2026-11-27).
 *
 * @module
 */

import type { Dim, OpDef, Value } from "../ir.ts";
import { attrNum, broadcastShapes, fail, sameDtype, tt } from "./_util.ts";
import { sumTo } from "./elementwise.ts";
import { reshape, shapeOf, transpose } from "./shape.ts";

function swapLast(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

/** `MatMul(a, b)` over the last two axes, broadcasting the leading ones. */
export const MatMul: OpDef = {
  opType: "MatMul",
  domain: "",
  infer: (inputs) => {
    const [a, b] = inputs as Value[];
    const dtype = sameDtype("MatMul", inputs);
    if (a.rank < 2 || b.rank < 2) fail("MatMul", inputs, "both inputs need rank >= 2");
    const k1 = a.shape[a.rank - 1], k2 = b.shape[b.rank - 2];
    if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
      fail("MatMul", inputs, `inner dimensions differ (${k1} vs ${k2})`);
    }
    const lead = broadcastShapes("MatMul", [
      { ...a, shape: a.shape.slice(0, -2), rank: a.rank - 2 } as unknown as Value,
      { ...b, shape: b.shape.slice(0, -2), rank: b.rank - 2 } as unknown as Value,
    ]);
    const out: Dim[] = [...lead, a.shape[a.rank - 2], b.shape[b.rank - 1]];
    return [tt(dtype, out)];
  },
  vjp: (n, [g], needs) => {
    const [a, b] = n.inputs as Value[];
    const [k, nn] = b.shape;
    if (b.rank === 2 && typeof k === "number" && typeof nn === "number") {
      // a [..., K] @ w [K, N]: flatten leading rows into one GEMM for both gradients.
      const g2 = reshape(g!, [-1, nn]);
      const da = needs[0] ? reshape(matmul(g2, transpose(b, [1, 0])), shapeOf(a)) : null;
      const a2 = reshape(a, [-1, k]);
      const db = needs[1] ? matmul(transpose(a2, [1, 0]), g2) : null;
      return [da, db];
    }
    return [
      needs[0] ? sumTo(matmul(g!, swapLast(b)), a) : null,
      needs[1] ? sumTo(matmul(swapLast(a), g!), b) : null,
    ];
  },
};
/** Matrix product with batch broadcasting. */
export const matmul = (a: Value, b: Value): Value => a.graph.addNode(MatMul, [a, b])[0];

/** Options of {@link gemm}. */
export interface GemmOptions {
  /** Use A transposed. @default false */
  transA?: boolean;
  /** Use B transposed. @default false */
  transB?: boolean;
}

/** `Gemm(A, B)` for 2-D A and B with optional transposes. */
export const Gemm: OpDef = {
  opType: "Gemm",
  domain: "",
  attrs: { transA: "int", transB: "int" },
  infer: (inputs, attrs) => {
    const [a, b] = inputs as Value[];
    const dtype = sameDtype("Gemm", inputs);
    if (a.rank !== 2 || b.rank !== 2) fail("Gemm", inputs, "inputs must be 2-D");
    const ta = attrNum(attrs, "transA", 0), tb = attrNum(attrs, "transB", 0);
    const [m, k1] = ta ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const [k2, nn] = tb ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
      fail("Gemm", inputs, `inner dimensions differ (${k1} vs ${k2})`);
    }
    return [tt(dtype, [m, nn])];
  },
  vjp: (n, [g], needs) => {
    const [a, b] = n.inputs as Value[];
    const ta = attrNum(n.attrs, "transA", 0) === 1, tb = attrNum(n.attrs, "transB", 0) === 1;
    // C = op(A) op(B); dop(A) = G op(B)^T, dop(B) = op(A)^T G.
    let da: Value | null = null, db: Value | null = null;
    if (needs[0]) {
      da = ta ? gemm(b, g!, { transA: tb, transB: true }) : gemm(g!, b, { transB: !tb });
    }
    if (needs[1]) {
      db = tb ? gemm(g!, a, { transA: true, transB: ta }) : gemm(a, g!, { transA: !ta });
    }
    return [da, db];
  },
};
/** 2-D matrix product with optional transposes (no bias, alpha = beta = 1). */
export function gemm(a: Value, b: Value, opts: GemmOptions = {}): Value {
  return a.graph.addNode(Gemm, [a, b], {
    transA: opts.transA ? 1 : 0,
    transB: opts.transB ? 1 : 0,
  })[0];
}
