/**
 * The Qwen3 / Llama decoder as a graph, top-down in one file (after nanoGPT's `model.py`).
 *
 * References: transformers `modeling_qwen3.py` (`Qwen3Attention`, `Qwen3MLP`,
 * `Qwen3DecoderLayer`, `Qwen3Model`) and `modeling_llama.py` (the same without the per-head
 * q/k RMSNorm, with Llama 3 RoPE scaling in the inverse frequencies).
 *
 *   embed_tokens -> N x [ x += o_proj(attn(rope(qk_norm(q, k)), v))      (rmsNorm first)
 *                         x += down(silu(gate(x)) * up(x)) ]              (rmsNorm first)
 *                -> norm -> head (lm_head / tied embedding / score)
 *
 * The residual stream is kept flat as [B*T, H] so every projection is one 2-D product with
 * the weight in its HF layout [out, in] ({@link linear}: transB, no Transpose node); only
 * attention views it as [B, heads, T, D]. Weights are whatever {@link Weights} hands out: graph inputs (train
 * graphs), initializers (decode sessions), or the train step's parameter values.
 *
 * @module
 */

import {
  attention,
  attentionBias,
  prefixAttention,
  rmsNorm,
  ropeHeads,
  swiglu,
} from "../../kernels/mod.ts";
import { type Dim, type DType, op, type OpDef, type Value } from "../graph/mod.ts";
import type { ModelConfig } from "./config.ts";
import { linear } from "./linear.ts";
import { ropeInvFreq } from "./rope.ts";

/** Model parameters by HF name, as values of the graph being built. */
export type Weights = ReadonlyMap<string, Value>;

/** One layer's key and value cache, each [B, Hkv, S, D]. */
export interface KvPair {
  key: Value;
  value: Value;
}

/** Inputs of the decoder. */
export interface DecoderInputs {
  /** int64 [B, T]. */
  inputIds: Value;
  /** int64 [B, P + T]: 1 for real tokens, 0 for padding, over the past and the new tokens. */
  attentionMask: Value;
  /** int64 [B, T]: rotary positions of the new tokens. */
  positionIds: Value;
  /** Per layer, the cache of the P earlier positions (absent: no cache, P = 0). */
  past?: KvPair[];
  /**
   * Return only the new tokens' keys and values as `present` ([B, Hkv, T, D]) and attend over
   * the cache without concatenating it (`prefixAttention`; inference only): a decode graph
   * then never copies the cache. Needs `past`. @default false
   */
  newKvOnly?: boolean;
}

/** Outputs of the decoder. */
export interface DecoderOutputs {
  /** Final-normed hidden states, flat: [B*T, H]. */
  hidden: Value;
  /** Per layer, keys and values over P + T positions: [B, Hkv, P+T, D] (`newKvOnly`: T). */
  present: KvPair[];
  /** int64 [2] holding (B, T), for reshaping flat results back. */
  batchSeq: Value;
}

/** Looks a parameter up, naming it when the weights lack it. */
export function weight(w: Weights, name: string): Value {
  const v = w.get(name);
  if (!v) throw new Error(`model graph: parameter "${name}" is missing from the weights`);
  return v;
}

/** The int64 shape `[B, T, ...tail]` from `batchSeq = (B, T)`, with its dims known at build time. */
export function shapeWith(batchSeq: Value, tail: number[]): Value {
  const s = op.concat([batchSeq, op.ints(batchSeq, tail)], 0);
  s.knownDims = [...(batchSeq.knownDims ?? ["batch", "seq"]), ...tail];
  return s;
}

/** Runs the decoder stack: embedding, layers, final norm. */
export function decoder(config: ModelConfig, w: Weights, inp: DecoderInputs): DecoderOutputs {
  const embed = weight(w, "model.embed_tokens.weight");
  const dtype = embed.dtype;
  const batchSeq = op.shapeOf(inp.inputIds); // (B, T)
  const seqLen = op.gather(batchSeq, op.constant(batchSeq, "int64", [], [1]), 0); // scalar T
  const bias = attentionBias(inp.attentionMask, seqLen, dtype); // [B, 1, T, P+T]
  const [cos, sin] = rotaryAngles(config, inp.positionIds, dtype); // [B, T, D/2]
  let x = op.gather(embed, op.reshape(inp.inputIds, [-1]), 0); // [B*T, H]
  const present: KvPair[] = [];
  for (let l = 0; l < config.numHiddenLayers; l++) {
    const p = `model.layers.${l}`;
    const h = rmsNorm(x, weight(w, `${p}.input_layernorm.weight`), config.rmsNormEps);
    const attn = selfAttention(
      config,
      w,
      p,
      h,
      { batchSeq, bias, cos, sin, newKvOnly: inp.newKvOnly ?? false },
      inp.past?.[l],
    );
    present.push(attn.present);
    x = op.add(x, attn.out);
    const h2 = rmsNorm(x, weight(w, `${p}.post_attention_layernorm.weight`), config.rmsNormEps);
    x = op.add(x, mlp(w, p, h2));
  }
  const hidden = rmsNorm(x, weight(w, "model.norm.weight"), config.rmsNormEps);
  return { hidden, present, batchSeq };
}

/** What every layer's attention shares: the (B, T) shape, the mask bias, the rotary angles. */
interface AttentionContext {
  batchSeq: Value;
  bias: Value;
  cos: Value;
  sin: Value;
  /** Attend over the past without concatenating it; `present` = the new keys/values only. */
  newKvOnly: boolean;
}

/** Grouped-query self-attention of one layer on normed `h` [B*T, H]. */
function selfAttention(
  config: ModelConfig,
  w: Weights,
  p: string,
  h: Value,
  ctx: AttentionContext,
  past: KvPair | undefined,
): { out: Value; present: KvPair } {
  const D = config.headDim, Hq = config.numAttentionHeads, Hkv = config.numKeyValueHeads;
  const eps = config.rmsNormEps;
  let q = op.reshape(
    linear(h, weight(w, `${p}.self_attn.q_proj.weight`)),
    shapeWith(ctx.batchSeq, [Hq, D]),
  ); // [B, T, Hq, D]
  let k = op.reshape(
    linear(h, weight(w, `${p}.self_attn.k_proj.weight`)),
    shapeWith(ctx.batchSeq, [Hkv, D]),
  ); // [B, T, Hkv, D]
  const v0 = op.reshape(
    linear(h, weight(w, `${p}.self_attn.v_proj.weight`)),
    shapeWith(ctx.batchSeq, [Hkv, D]),
  ); // [B, T, Hkv, D]
  if (config.qkNorm) {
    q = rmsNorm(q, weight(w, `${p}.self_attn.q_norm.weight`), eps);
    k = rmsNorm(k, weight(w, `${p}.self_attn.k_norm.weight`), eps);
  }
  q = ropeHeads(op.transpose(q, [0, 2, 1, 3]), ctx.cos, ctx.sin); // [B, Hq, T, D]
  k = ropeHeads(op.transpose(k, [0, 2, 1, 3]), ctx.cos, ctx.sin); // [B, Hkv, T, D]
  let v = op.transpose(v0, [0, 2, 1, 3]); // [B, Hkv, T, D]
  const heads = { numHeads: Hq, numKvHeads: Hkv };
  if (ctx.newKvOnly) {
    if (!past) throw new Error("decoder: newKvOnly needs a past cache");
    const o = prefixAttention(q, past, { key: k, value: v }, ctx.bias, heads); // [B, Hq, T, D]
    const flat = op.reshape(op.transpose(o, [0, 2, 1, 3]), [-1, Hq * D]); // [B*T, Hq*D]
    return {
      out: linear(flat, weight(w, `${p}.self_attn.o_proj.weight`)),
      present: { key: k, value: v },
    };
  }
  if (past) {
    k = op.concat([past.key, k], 2); // [B, Hkv, P+T, D]
    v = op.concat([past.value, v], 2); // [B, Hkv, P+T, D]
  }
  const o = attention(q, k, v, ctx.bias, { numHeads: Hq, numKvHeads: Hkv }); // [B, Hq, T, D]
  const flat = op.reshape(op.transpose(o, [0, 2, 1, 3]), [-1, Hq * D]); // [B*T, Hq*D]
  return {
    out: linear(flat, weight(w, `${p}.self_attn.o_proj.weight`)),
    present: { key: k, value: v },
  };
}

/** The SwiGLU MLP of one layer on normed `h` [B*T, H] -> [B*T, H]. */
function mlp(w: Weights, p: string, h: Value): Value {
  const gate = linear(h, weight(w, `${p}.mlp.gate_proj.weight`)); // [B*T, I]
  const up = linear(h, weight(w, `${p}.mlp.up_proj.weight`)); // [B*T, I]
  return linear(swiglu(gate, up), weight(w, `${p}.mlp.down_proj.weight`)); // [B*T, H]
}

/**
 * RoPE angles from the position ids, as transformers' `RotaryEmbedding.forward` computes them
 * (positions times inverse frequencies, in the compute dtype): cos and sin [B, T, D/2], for
 * `ropeHeads` on heads-first [B, heads, T, D] tensors.
 */
export function rotaryAngles(
  config: ModelConfig,
  positionIds: Value,
  dtype: DType,
): [Value, Value] {
  const invFreq = op.constant(positionIds, dtype, [config.headDim / 2], ropeInvFreq(config));
  const pos = op.unsqueeze(op.cast(positionIds, dtype), [-1]); // [B, T, 1]
  const angle = op.mul(pos, invFreq); // [B, T, D/2]
  return [trig(COS, angle), trig(SIN, angle)];
}

// Cos and Sin only act on positions (never on parameters), so they carry no gradient rule.
function trigDef(opType: string): OpDef {
  return {
    opType,
    domain: "",
    infer: ([x]) => [{ dtype: x!.dtype, shape: [...x!.shape] as Dim[] }],
  };
}
const COS = trigDef("Cos"), SIN = trigDef("Sin");
const trig = (def: OpDef, x: Value) => x.graph.addNode(def, [x])[0];

/** The output projection: the untied `lm_head.weight`, else the embedding (tied). */
export function lmHeadWeight(config: ModelConfig, w: Weights): Value {
  return config.tieWordEmbeddings
    ? weight(w, "model.embed_tokens.weight")
    : weight(w, "lm_head.weight");
}

/** Causal-LM logits of flat hidden states: [B*T, H] -> [B*T, V]. */
export function lmLogits(config: ModelConfig, w: Weights, hidden: Value): Value {
  return linear(hidden, lmHeadWeight(config, w));
}

/** The hidden state of the last position of every row: [B*T, H] -> [B, H]. */
export function lastPosition(hidden: Value, batchSeq: Value): Value {
  const H = hidden.shape[1] as number;
  const rows = op.reshape(hidden, shapeWith(batchSeq, [H])); // [B, T, H]
  const last = op.slice(rows, { starts: [-1], ends: [Number.MAX_SAFE_INTEGER], axes: [1] }); // [B, 1, H]
  return op.reshape(last, [-1, H]); // [B, H]
}

/**
 * The hidden state at each row's last real token (the last position whose mask is 1; works
 * for left and right padding): [B*T, H] -> [B, H].
 *
 * @param hidden flat hidden states [B*T, H]
 * @param attentionMask int64 [B, T]
 * @param batchSeq int64 (B, T)
 */
export function lastRealToken(hidden: Value, attentionMask: Value, batchSeq: Value): Value {
  const c = (v: number) => op.constant(attentionMask, "int64", [], [v]);
  const [b, t] = [0, 1].map((i) => op.gather(batchSeq, c(i), 0)); // scalars B, T
  const steps = op.unsqueeze(op.range(c(1), op.add(t, c(1)), c(1)), [0]); // [1, T] = 1..T
  const last = op.sub(op.reduceMax(op.mul(attentionMask, steps), [1]), c(1)); // [B], -1 if empty
  const rowStart = op.mul(op.range(c(0), b, c(1)), t); // [B] = b * T
  const index = op.add(rowStart, op.max(last, c(0))); // [B] flat row of the last real token
  return op.gather(hidden, index, 0); // [B, H]
}
