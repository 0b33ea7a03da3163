/**
 * A tiny causal transformer LM built only from the kernels, for train-step tests and the
 * graph benchmark. Private to tests/ and tasks/bench.
 *
 * @module
 */

import {
  attention,
  attentionBias,
  rmsNorm,
  rope,
  swiglu,
  tokenLogprob,
} from "../../kernels/mod.ts";
import { type Graph, op, type ParamEntry, type Value } from "../../lib/graph/mod.ts";

/** Shape of the tiny LM. */
export interface TinyLmConfig {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ffn: number;
  seq: number;
  batch: number;
}

/** Parameter list (names and shapes) of the tiny LM. */
export function tinyLmParams(c: TinyLmConfig): ParamEntry[] {
  const p: ParamEntry[] = [{ name: "embed", shape: [c.vocab, c.hidden] }];
  for (let l = 0; l < c.layers; l++) {
    p.push(
      { name: `l${l}.norm1`, shape: [c.hidden] },
      { name: `l${l}.wq`, shape: [c.hidden, c.heads * c.headDim] },
      { name: `l${l}.wk`, shape: [c.hidden, c.kvHeads * c.headDim] },
      { name: `l${l}.wv`, shape: [c.hidden, c.kvHeads * c.headDim] },
      { name: `l${l}.wo`, shape: [c.heads * c.headDim, c.hidden] },
      { name: `l${l}.norm2`, shape: [c.hidden] },
      { name: `l${l}.gate`, shape: [c.hidden, c.ffn] },
      { name: `l${l}.up`, shape: [c.hidden, c.ffn] },
      { name: `l${l}.down`, shape: [c.ffn, c.hidden] },
    );
  }
  p.push({ name: "norm", shape: [c.hidden] }, { name: "head", shape: [c.hidden, c.vocab] });
  return p;
}

/** Deterministic initial values: norms 1, matrices uniform(+-1/sqrt(fan_in)). */
export function tinyLmInit(c: TinyLmConfig, seed: number): Map<string, Float32Array> {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32 * 2 - 1;
  };
  const out = new Map<string, Float32Array>();
  for (const p of tinyLmParams(c)) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    if (p.shape.length === 1) a.fill(1);
    else {
      const scale = p.name === "embed" ? 1 : 1 / Math.sqrt(p.shape[0]);
      for (let i = 0; i < n; i++) a[i] = rnd() * scale;
    }
    out.set(p.name, a);
  }
  return out;
}

/** Rotary angles for positions 0..seq-1 as constants [seq, headDim/2]. */
function angles(like: Value, c: TinyLmConfig): [Value, Value] {
  const half = c.headDim / 2;
  const cos = new Float32Array(c.seq * half), sin = new Float32Array(c.seq * half);
  for (let t = 0; t < c.seq; t++) {
    for (let i = 0; i < half; i++) {
      const a = t / 10000 ** ((2 * i) / c.headDim);
      cos[t * half + i] = Math.cos(a);
      sin[t * half + i] = Math.sin(a);
    }
  }
  return [
    op.constant(like, "float32", [c.seq, half], cos),
    op.constant(like, "float32", [c.seq, half], sin),
  ];
}

/**
 * Declares `ids` [B, T] and `targets` [B, T] (next tokens) and returns the mean
 * next-token cross-entropy of the tiny LM.
 */
export function tinyLmLoss(g: Graph, P: Map<string, Value>, c: TinyLmConfig): Value {
  const ids = g.input("ids", "int64", [c.batch, c.seq]);
  const targets = g.input("targets", "int64", [c.batch, c.seq]);
  const mask = op.constant(ids, "int64", [c.batch, c.seq], new Array(c.batch * c.seq).fill(1));
  const bias = attentionBias(mask, op.constant(ids, "int64", [], [c.seq]), "float32");
  const [cos, sin] = angles(ids, c);
  let x = op.gather(P.get("embed")!, ids, 0); // [B, T, H]
  const heads = (v: Value, n: number) =>
    op.transpose(op.reshape(v, [c.batch, c.seq, n, c.headDim]), [0, 2, 1, 3]); // [B, n, T, D]
  for (let l = 0; l < c.layers; l++) {
    const w = (k: string) => P.get(`l${l}.${k}`)!;
    const h = rmsNorm(x, w("norm1"), 1e-6);
    const q = rope(heads(op.matmul(h, w("wq")), c.heads), cos, sin);
    const k = rope(heads(op.matmul(h, w("wk")), c.kvHeads), cos, sin);
    const v = heads(op.matmul(h, w("wv")), c.kvHeads);
    const o = attention(q, k, v, bias, { numHeads: c.heads, numKvHeads: c.kvHeads });
    const merged = op.reshape(op.transpose(o, [0, 2, 1, 3]), [c.batch, c.seq, c.heads * c.headDim]);
    x = op.add(x, op.matmul(merged, w("wo")));
    const h2 = rmsNorm(x, w("norm2"), 1e-6);
    x = op.add(x, op.matmul(swiglu(op.matmul(h2, w("gate")), op.matmul(h2, w("up"))), w("down")));
  }
  const logits = op.matmul(rmsNorm(x, P.get("norm")!, 1e-6), P.get("head")!); // [B, T, V]
  const lp = tokenLogprob(logits, targets);
  return op.neg(op.reduceMean(lp, [0, 1]));
}

/**
 * A fixed synthetic corpus: each row counts up by a row-specific stride modulo `vocab`
 * from a random start, so every next token is predictable from the previous two.
 */
export function tinyCorpus(c: TinyLmConfig, rows: number, seed: number): number[][] {
  let s = seed >>> 0 || 1;
  const rnd = (n: number) => {
    s = Math.imul(s, 1664525) + 1013904223 >>> 0;
    return s % n;
  };
  return Array.from({ length: rows }, () => {
    const start = rnd(c.vocab), stride = 1 + rnd(3);
    return Array.from({ length: c.seq + 1 }, (_, t) => (start + t * stride) % c.vocab);
  });
}
