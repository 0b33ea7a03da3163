/**
 * Rotary position embedding, rotate-half convention (HF `apply_rotary_pos_emb`):
 * with `x = [x1, x2]` split in halves of the last axis,
 *   y = [x1*cos - x2*sin, x2*cos + x1*sin]
 * where `cos`/`sin` hold the per-position angles for the first half (broadcast over heads).
 *
 * Gradient: the inverse rotation, i.e. the same kernel with `-sin`, for x; for the angles
 * (rarely needed), dcos = x1*g1 + x2*g2 and dsin = x1*g2 - x2*g1, summed to their shapes.
 *
 * {@link ropeHeads} is the same rotation on heads-first tensors [B, heads, T, D] with angles
 * [B, T, D/2]; its float32 body is onnxruntime's native `RotaryEmbedding` (opset 23): one node
 * where the composed form is eight (a decode step runs two per layer).
 *
 * @module
 */

import { op, type OpDef, type Value } from "../lib/graph/mod.ts";
import { callKernel, floatDtype, kernelFail, KIT_DOMAIN } from "./_kernel.ts";

function rotate(x: Value, cos: Value, sin: Value, half: number): Value {
  const [x1, x2] = op.split(x, -1, [half, half]);
  const y1 = op.sub(op.mul(x1, cos), op.mul(x2, sin));
  const y2 = op.add(op.mul(x2, cos), op.mul(x1, sin));
  return op.concat([y1, y2], -1);
}

/**
 * The angles' gradients at x's shape [..., D/2], before summing to cos/sin's shapes:
 * `dcos = x1*g1 + x2*g2`, `dsin = x1*g2 - x2*g1` (each only where `needs` asks for it).
 */
function angleGrads(
  x: Value,
  g: Value,
  half: number,
  needs: readonly boolean[],
): [Value | null, Value | null] {
  const [x1, x2] = op.split(x, -1, [half, half]);
  const [g1, g2] = op.split(g, -1, [half, half]);
  return [
    needs[1] ? op.add(op.mul(x1, g1), op.mul(x2, g2)) : null,
    needs[2] ? op.sub(op.mul(x1, g2), op.mul(x2, g1)) : null,
  ];
}

/** The RoPE kernel; inputs x [..., D], cos and sin broadcastable to [..., D/2]. */
export const ROPE: OpDef = {
  opType: "Rope",
  domain: KIT_DOMAIN,
  attrs: { half: "int" },
  infer: (inputs) => {
    const [x, cos, sin] = inputs as Value[];
    const dtype = floatDtype("Rope", [x, cos, sin]);
    const d = x.shape[x.rank - 1];
    if (typeof d !== "number" || d % 2 !== 0) {
      kernelFail("Rope", [x, cos, sin], "head dim must be even");
    }
    for (const c of [cos, sin]) {
      const last = c.shape[c.rank - 1];
      if (typeof last === "number" && last !== d / 2) {
        kernelFail("Rope", [x, cos, sin], `cos/sin last dim must be ${d / 2}`);
      }
    }
    return [{ dtype, shape: [...x.shape] }];
  },
  body: ([x, cos, sin], attrs) => [rotate(x, cos, sin, attrs.half as number)],
  vjp: (n, [g], needs) => {
    const [x, cos, sin] = n.inputs as Value[];
    const dx = needs[0] ? rope(g!, cos, op.neg(sin)) : null;
    if (!needs[1] && !needs[2]) return [dx, null, null];
    const [dc, ds] = angleGrads(x, g!, n.attrs.half as number, needs);
    return [dx, dc && op.sumTo(dc, cos), ds && op.sumTo(ds, sin)];
  },
};

/** Applies rotary embedding to `x` [..., D] with angles `cos`, `sin` [..., D/2]. */
export function rope(x: Value, cos: Value, sin: Value): Value {
  const half = (x.shape[x.rank - 1] as number) / 2;
  return callKernel(ROPE, [x, cos, sin], { half })[0];
}

/** ONNX `RotaryEmbedding` (opset 23, rotate-half); used only inside {@link ROPE_HEADS}' body. */
const NATIVE_ROTARY_EMBEDDING: OpDef = {
  opType: "RotaryEmbedding",
  domain: "",
  attrs: { interleaved: "int" },
  infer: ([x]) => [{ dtype: x!.dtype, shape: [...x!.shape] }],
};

/** The heads-first RoPE kernel: x [B, heads, T, D], cos and sin [B, T, D/2]. */
export const ROPE_HEADS: OpDef = {
  opType: "RopeHeads",
  domain: KIT_DOMAIN,
  attrs: { half: "int" },
  infer: (inputs) => {
    const [x, cos, sin] = inputs as Value[];
    const dtype = floatDtype("RopeHeads", [x, cos, sin]);
    if (x.rank !== 4 || cos.rank !== 3 || sin.rank !== 3) {
      kernelFail("RopeHeads", [x, cos, sin], "needs x [B, heads, T, D] and cos/sin [B, T, D/2]");
    }
    const d = x.shape[3];
    if (typeof d !== "number" || d % 2 !== 0) {
      kernelFail("RopeHeads", [x, cos, sin], "head dim must be even");
    }
    for (const c of [cos, sin]) {
      if (typeof c.shape[2] === "number" && c.shape[2] !== d / 2) {
        kernelFail("RopeHeads", [x, cos, sin], `cos/sin last dim must be ${d / 2}`);
      }
    }
    return [{ dtype, shape: [...x.shape] }];
  },
  body: ([x, cos, sin], attrs) => {
    if (x.dtype === "float32") {
      return x.graph.addNode(NATIVE_ROTARY_EMBEDDING, [x, cos, sin], { interleaved: 0 });
    }
    const c = op.unsqueeze(cos, [1]), s = op.unsqueeze(sin, [1]); // [B, 1, T, D/2]
    return [rotate(x, c, s, attrs.half as number)];
  },
  vjp: (n, [g], needs) => {
    const [x, cos, sin] = n.inputs as Value[];
    const dx = needs[0] ? ropeHeads(g!, cos, op.neg(sin)) : null;
    if (!needs[1] && !needs[2]) return [dx, null, null];
    // Summed over the heads axis: [B, heads, T, D/2] -> [B, T, D/2].
    const [dc, ds] = angleGrads(x, g!, n.attrs.half as number, needs);
    return [dx, dc && op.reduceSum(dc, [1]), ds && op.reduceSum(ds, [1])];
  },
};

/** Applies rotary embedding to heads-first `x` [B, heads, T, D] with angles [B, T, D/2]. */
export function ropeHeads(x: Value, cos: Value, sin: Value): Value {
  const half = (x.shape[3] as number) / 2;
  return callKernel(ROPE_HEADS, [x, cos, sin], { half })[0];
}
