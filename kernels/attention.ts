/**
 * Grouped-query scaled dot-product attention with an additive bias (causal mask, padding,
 * KV prefix), and {@link attentionBias} that builds that bias once per forward pass.
 *
 * Shapes: q [B, Hq, T, D]; k, v [B, Hkv, S, D] (S = past + T when decoding with a KV
 * prefix); bias [B|1, 1, T, S]. Query head h reads kv head floor(h / (Hq/Hkv)), so q is
 * viewed as [B, Hkv, G*T, D] and every product is one batched MatMul, no repeat of K/V.
 * Outputs: o [B, Hq, T, D] and the probabilities P [B, Hq, T, S] (kept for the backward).
 *
 * Gradient, in the grouped view (Sc = scale):
 *   dV = P^T dO      dP = dO V^T      dS = P * (dP - rowsum(dP * P))
 *   dQ = Sc * dS K   dK = Sc * dS^T Q
 *
 * @module
 */

import { op, type OpDef, type Value } from "../lib/graph/mod.ts";
import { callKernel, floatDtype, kernelFail, KIT_DOMAIN, sameDim } from "./_kernel.ts";

const swap = (x: Value) => op.transpose(x, [0, 1, 3, 2]);
/** [B, H, T, X] viewed as [B, heads, -1, X]. */
const group = (x: Value, heads: number) => op.reshape(x, [0, heads, -1, 0]);

/** The attention kernel. Attributes: numHeads, numKvHeads, scale. */
export const ATTENTION: OpDef = {
  opType: "Attention",
  domain: KIT_DOMAIN,
  attrs: { numHeads: "int", numKvHeads: "int", scale: "float" },
  infer: (inputs, attrs) => {
    const [q, k, v, bias] = inputs as Value[];
    const dtype = floatDtype("Attention", [q, k, v, bias]);
    const hq = attrs.numHeads as number, hkv = attrs.numKvHeads as number;
    for (const x of [q, k, v, bias]) {
      if (x.rank !== 4) kernelFail("Attention", [q, k, v, bias], `${x.name} must be 4-D`);
    }
    if (hq % hkv !== 0) {
      kernelFail("Attention", [q, k, v, bias], `${hq} heads over ${hkv} kv heads`);
    }
    sameDim("Attention", [q, k, v], q.shape[1], hq, "query heads");
    sameDim("Attention", [q, k, v], k.shape[1], hkv, "key heads");
    sameDim("Attention", [q, k, v], v.shape[1], hkv, "value heads");
    sameDim("Attention", [q, k, v], q.shape[3], k.shape[3], "head dim of q vs k");
    sameDim("Attention", [q, k, v], k.shape[2], v.shape[2], "key vs value length");
    sameDim("Attention", [q, k, bias], bias.shape[3], k.shape[2], "bias vs key length");
    const [b, , t] = q.shape;
    return [
      { dtype, shape: [b, hq, t, v.shape[3]] },
      { dtype, shape: [b, hq, t, k.shape[2]] },
    ];
  },
  body: ([q, k, v, bias], attrs) => {
    const hq = attrs.numHeads as number, hkv = attrs.numKvHeads as number;
    const scores = op.mul(op.matmul(group(q, hkv), swap(k)), attrs.scale as number); // [B,Hkv,G*T,S]
    const p = op.softmax(op.add(group(scores, hq), bias), -1); // [B,Hq,T,S]
    const o = group(op.matmul(group(p, hkv), v), hq); // [B,Hq,T,D]
    return [o, p];
  },
  vjp: (n, [dO, dPextra], needs) => {
    const [q, k, v] = n.inputs as Value[];
    const hq = n.attrs.numHeads as number, hkv = n.attrs.numKvHeads as number;
    const scale = n.attrs.scale as number;
    const p = group(n.outputs[1], hkv); // [B,Hkv,G*T,S]
    const dOg = dO ? group(dO, hkv) : null;
    let dP = dOg ? op.matmul(dOg, swap(v)) : null;
    if (dPextra) dP = dP ? op.add(dP, group(dPextra, hkv)) : group(dPextra, hkv);
    let dQ = null, dK = null;
    if (dP && (needs[0] || needs[1])) {
      const dS = op.mul(p, op.sub(dP, op.reduceSum(op.mul(dP, p), [-1], { keepdims: true })));
      if (needs[0]) dQ = group(op.mul(op.matmul(dS, k), scale), hq);
      if (needs[1]) dK = op.mul(op.matmul(swap(dS), group(q, hkv)), scale);
    }
    const dV = needs[2] && dOg ? op.matmul(swap(p), dOg) : null;
    return [dQ, dK, dV, null];
  },
};

/** Options of {@link attention}. */
export interface AttentionOptions {
  numHeads: number;
  numKvHeads: number;
  /** Softmax scale. @default 1/sqrt(head_dim) */
  scale?: number;
}

/** Grouped-query attention; returns the output [B, Hq, T, D]. */
export function attention(q: Value, k: Value, v: Value, bias: Value, o: AttentionOptions): Value {
  const d = q.shape[3] as number;
  return callKernel(ATTENTION, [q, k, v, bias], {
    numHeads: o.numHeads,
    numKvHeads: o.numKvHeads,
    scale: o.scale ?? 1 / Math.sqrt(d),
  })[0];
}

/**
 * Attention of T new queries over a KV prefix (`kPast`, `vPast` [B, Hkv, P, D]) followed by the
 * new keys and values (`kNew`, `vNew` [B, Hkv, T, D]), without concatenating them: the scores
 * of both parts are concatenated instead ([B, Hq, T, P+T], D times smaller than the cache), the
 * softmax runs once, and the output is `P_past V_past + P_new V_new`. Equal to
 * `attention(q, concat(kPast, kNew), concat(vPast, vNew), bias)`; for decode graphs, where the
 * concatenation would copy the whole cache of every layer on every step. Inference only (no
 * gradient rule). P may be 0 (a prefill).
 */
export const PREFIX_ATTENTION: OpDef = {
  opType: "PrefixAttention",
  domain: KIT_DOMAIN,
  attrs: { numHeads: "int", numKvHeads: "int", scale: "float" },
  infer: (inputs, attrs) => {
    const [q, kp, vp, kn, vn, bias] = inputs as Value[];
    const all = inputs as Value[];
    const dtype = floatDtype("PrefixAttention", all);
    for (const x of all) {
      if (x.rank !== 4) kernelFail("PrefixAttention", all, `${x.name} must be 4-D`);
    }
    const hq = attrs.numHeads as number, hkv = attrs.numKvHeads as number;
    if (hq % hkv !== 0) kernelFail("PrefixAttention", all, `${hq} heads over ${hkv} kv heads`);
    sameDim("PrefixAttention", all, q.shape[1], hq, "query heads");
    for (const x of [kp, vp, kn, vn]) sameDim("PrefixAttention", all, x.shape[1], hkv, "kv heads");
    sameDim("PrefixAttention", all, kp.shape[2], vp.shape[2], "past key vs value length");
    sameDim("PrefixAttention", all, kn.shape[2], q.shape[2], "new keys vs queries");
    sameDim("PrefixAttention", all, vn.shape[2], q.shape[2], "new values vs queries");
    sameDim("PrefixAttention", all, bias.shape[2], q.shape[2], "bias rows vs queries");
    return [{ dtype, shape: [q.shape[0], hq, q.shape[2], vn.shape[3]] }];
  },
  body: ([q, kp, vp, kn, vn, bias], attrs) => {
    const hq = attrs.numHeads as number, hkv = attrs.numKvHeads as number;
    // Everything stays in the grouped view [B,Hkv,G*T,.]: the bias is tiled to it instead of
    // the scores being regrouped per head. Every shape here is taken from `bias` alone, so
    // onnxruntime's common-subexpression pass computes the tiled bias and the split sizes
    // once for all layers (they share one bias). Reshape cannot infer -1 for an empty tensor,
    // and the past part may be empty (P = 0), so no -1 reshape touches it.
    const sc = attrs.scale as number, qg = group(q, hkv); // [B,Hkv,G*T,D]
    const sPast = op.mul(op.matmul(qg, swap(kp)), sc); // [B,Hkv,G*T,P]
    const sNew = op.mul(op.matmul(qg, swap(kn)), sc); // [B,Hkv,G*T,T]
    const scores = op.concat([sPast, sNew], 3); // [B,Hkv,G*T,P+T]
    const p = op.softmax(op.add(scores, tileRows(bias, hq / hkv)), -1); // [B,Hkv,G*T,P+T]
    const [pPast, pNew] = splitPastNew(p, bias, kp.shape[2], kn.shape[2]);
    const o = op.add(op.matmul(pPast, vp), op.matmul(pNew, vn)); // [B,Hkv,G*T,D]
    return [group(o, hq)]; // [B,Hq,T,D]
  },
};

// Inference-only Tile (PrefixAttention has no gradient rule), so it carries none either.
const TILE: OpDef = {
  opType: "Tile",
  domain: "",
  infer: ([x, repeats]) => [{
    dtype: x!.dtype,
    shape: x!.shape.map((d, i) => {
      const r = repeats!.knownDims![i];
      return r === 1 ? d : typeof d === "number" && typeof r === "number" ? d * r : `${d}x${r}`;
    }),
  }],
};

/** bias [B, 1, T, S] repeated `times` along its rows: [B, 1, times*T, S] (row g*T + t = t). */
function tileRows(bias: Value, times: number): Value {
  if (times === 1) return bias;
  const repeats = op.constant(bias, "int64", [4], [1, 1, times, 1]);
  repeats.knownDims = [1, 1, times, 1];
  return bias.graph.addNode(TILE, [bias, repeats])[0];
}

/**
 * Splits p [B, Hkv, G*T, P+T] along its last axis into the past part [.., P] and the new
 * part [.., T], with T and P+T read from the bias [B, 1, T, P+T].
 */
function splitPastNew(
  p: Value,
  bias: Value,
  past: Value["shape"][number],
  t: Value["shape"][number],
): Value[] {
  const shape = op.shapeOf(bias);
  const dim = (i: number) => {
    const k = op.constant(bias, "int64", [1], [i]);
    k.knownDims = [i];
    return op.gather(shape, k, 0); // [1]
  };
  const tLen = dim(2);
  const sizes = op.concat([op.sub(dim(3), tLen), tLen], 0); // [P, T]
  sizes.knownDims = [past, t];
  return p.graph.addNode(op.Split, [p, sizes], { axis: 3 });
}

/**
 * {@link PREFIX_ATTENTION}: `attention(q, concat(kPast, kNew), concat(vPast, vNew), bias)`
 * without the concatenation; returns [B, Hq, T, D].
 */
export function prefixAttention(
  q: Value,
  past: { key: Value; value: Value },
  fresh: { key: Value; value: Value },
  bias: Value,
  o: AttentionOptions,
): Value {
  const d = q.shape[3] as number;
  return callKernel(PREFIX_ATTENTION, [q, past.key, past.value, fresh.key, fresh.value, bias], {
    numHeads: o.numHeads,
    numKvHeads: o.numKvHeads,
    scale: o.scale ?? 1 / Math.sqrt(d),
  })[0];
}

/** Additive value for disallowed positions (finite, so fully masked rows stay NaN-free). */
export const MASKED = -1e9;

/**
 * The additive attention bias [B, 1, T, S] for `T` queries over `S` keys, where the keys
 * are a KV prefix of `S - T` positions followed by the queries themselves: query i may see
 * key j when `j <= i + (S - T)` (causal) and `keyMask[b, j]` is 1 (not padding).
 *
 * @param keyMask int64 [B, S], 1 for real tokens, 0 for padding
 * @param queryLength scalar int64 value T (e.g. the input ids' sequence length)
 * @param dtype dtype of the bias (the attention's compute dtype)
 */
export function attentionBias(keyMask: Value, queryLength: Value, dtype: Value["dtype"]): Value {
  const c = (v: number) => op.constant(keyMask, "int64", [], [v]);
  const s = op.gather(op.shapeOf(keyMask), c(1), 0); // scalar S
  const past = op.sub(s, queryLength);
  const rows = op.unsqueeze(op.add(op.range(c(0), queryLength, c(1)), past), [1]); // [T,1]
  const cols = op.unsqueeze(op.range(c(0), s, c(1)), [0]); // [1,S]
  const causal = op.lessOrEqual(cols, rows); // [T,S]
  const keys = op.unsqueeze(op.equal(keyMask, 1), [1, 2]); // [B,1,1,S]
  const allowed = op.and(op.unsqueeze(causal, [0, 1]), keys); // [B,1,T,S]
  const zero = op.constant(keyMask, dtype, [], [0]);
  return op.where(allowed, zero, op.constant(keyMask, dtype, [], [MASKED]));
}
