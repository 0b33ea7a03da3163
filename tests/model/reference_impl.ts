/**
 * A float64 reference implementation of the Qwen3 / Llama decoder forward pass, written as
 * plain loops over Float64Array so that it can be read line by line against transformers'
 * `modeling_qwen3.py` / `modeling_llama.py`. It is the oracle for the graph parity tests and
 * is itself checked against the independent fixtures in `tests/fixtures/reference-models/`.
 *
 * Per layer: x += o_proj(attn(rope(qk_norm(q_proj(rms(x)))), ...)); x += down(silu(gate(rms(x))) * up(rms(x))).
 *
 * @module
 */

import { type ModelConfig, ropeInvFreq } from "../../lib/model/config.ts";
import { readModelConfig } from "../../lib/model/config_io.ts";
import { openModelWeights } from "../../lib/model/safetensors_sharded.ts";

/** Parameters by HF name, widened exactly to float64. */
export type RefWeights = Map<string, Float64Array>;

/** Optional inputs beside the ids, each `[B][T]` like the ids. */
export interface RefOptions {
  /** 1 = real token, 0 = padding (never attended to). @default all ones */
  attentionMask?: number[][];
  /** Rotary positions. @default 0..T-1 per row */
  positionIds?: number[][];
}

/**
 * Loads a model directory's config and every weight as float64.
 *
 * @param dir an HF model directory
 * @returns config and weights
 */
export async function loadReferenceModel(
  dir: string,
): Promise<{ config: ModelConfig; weights: RefWeights }> {
  const config = await readModelConfig(dir);
  const reader = await openModelWeights(dir);
  const weights: RefWeights = new Map();
  try {
    for (const n of reader.names()) weights.set(n, await reader.readF64(n));
  } finally {
    await reader.close();
  }
  return { config, weights };
}

function get(w: RefWeights, name: string): Float64Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: missing weight "${name}"`);
  return t;
}

/** y[o] = sum_i W[o, i] x[xOff + i] for W of shape [out, inDim]. */
function linear(
  W: Float64Array,
  x: Float64Array,
  xOff: number,
  inDim: number,
  out: number,
): Float64Array {
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    const r = o * inDim;
    for (let i = 0; i < inDim; i++) s += W[r + i] * x[xOff + i];
    y[o] = s;
  }
  return y;
}

/** In place: x[off..off+n] = x / sqrt(mean(x^2) + eps) * weight. */
function rmsNorm(x: Float64Array, off: number, n: number, weight: Float64Array, eps: number): void {
  let ss = 0;
  for (let i = 0; i < n; i++) ss += x[off + i] * x[off + i];
  const r = 1 / Math.sqrt(ss / n + eps);
  for (let i = 0; i < n; i++) x[off + i] = x[off + i] * r * weight[i];
}

/** In place, rotate-half convention: pairs (i, i + D/2) rotated by pos * invFreq[i]. */
function rope(x: Float64Array, off: number, D: number, pos: number, invFreq: Float64Array): void {
  const half = D / 2;
  for (let i = 0; i < half; i++) {
    const a = pos * invFreq[i];
    const c = Math.cos(a), s = Math.sin(a);
    const x1 = x[off + i], x2 = x[off + i + half];
    x[off + i] = x1 * c - x2 * s;
    x[off + i + half] = x2 * c + x1 * s;
  }
}

/**
 * Runs the decoder and returns the final-normed hidden states.
 *
 * @param config model config
 * @param w weights
 * @param ids token ids `[B][T]` (all rows the same length)
 * @param opts attention mask and position ids
 * @returns Float64Array `[B, T, hidden]`
 */
export function referenceHidden(
  config: ModelConfig,
  w: RefWeights,
  ids: number[][],
  opts: RefOptions = {},
): Float64Array {
  const B = ids.length, T = ids[0].length, H = config.hiddenSize, D = config.headDim;
  const nH = config.numAttentionHeads,
    nKV = config.numKeyValueHeads,
    group = nH / nKV,
    I = config.intermediateSize;
  const invFreq = ropeInvFreq(config);
  const eps = config.rmsNormEps;
  const emb = get(w, "model.embed_tokens.weight");
  const out = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    if (ids[b].length !== T) {
      throw new Error(`reference: row ${b} has ${ids[b].length} ids, expected ${T}`);
    }
    const mask = opts.attentionMask?.[b] ?? new Array(T).fill(1);
    const pos = opts.positionIds?.[b] ?? [...Array(T).keys()];
    const x = new Float64Array(T * H); // residual stream [T, H]
    for (let t = 0; t < T; t++) x.set(emb.subarray(ids[b][t] * H, (ids[b][t] + 1) * H), t * H);
    for (let l = 0; l < config.numHiddenLayers; l++) {
      const p = `model.layers.${l}`;
      const h = x.slice();
      for (let t = 0; t < T; t++) rmsNorm(h, t * H, H, get(w, `${p}.input_layernorm.weight`), eps);
      const q = new Float64Array(T * nH * D),
        k = new Float64Array(T * nKV * D),
        v = new Float64Array(T * nKV * D);
      for (let t = 0; t < T; t++) {
        q.set(linear(get(w, `${p}.self_attn.q_proj.weight`), h, t * H, H, nH * D), t * nH * D);
        k.set(linear(get(w, `${p}.self_attn.k_proj.weight`), h, t * H, H, nKV * D), t * nKV * D);
        v.set(linear(get(w, `${p}.self_attn.v_proj.weight`), h, t * H, H, nKV * D), t * nKV * D);
        for (let hd = 0; hd < nH; hd++) {
          if (config.qkNorm) {
            rmsNorm(q, (t * nH + hd) * D, D, get(w, `${p}.self_attn.q_norm.weight`), eps);
          }
          rope(q, (t * nH + hd) * D, D, pos[t], invFreq);
        }
        for (let hd = 0; hd < nKV; hd++) {
          if (config.qkNorm) {
            rmsNorm(k, (t * nKV + hd) * D, D, get(w, `${p}.self_attn.k_norm.weight`), eps);
          }
          rope(k, (t * nKV + hd) * D, D, pos[t], invFreq);
        }
      }
      const attn = new Float64Array(T * nH * D); // [T, nH, D]
      const scale = 1 / Math.sqrt(D);
      for (let t = 0; t < T; t++) {
        for (let hd = 0; hd < nH; hd++) {
          const kh = Math.floor(hd / group);
          const scores: number[] = [];
          let m = -Infinity;
          for (let j = 0; j <= t; j++) {
            if (!mask[j]) {
              scores.push(-Infinity);
              continue;
            }
            let s = 0;
            for (let d = 0; d < D; d++) s += q[(t * nH + hd) * D + d] * k[(j * nKV + kh) * D + d];
            scores.push(s * scale);
            m = Math.max(m, s * scale);
          }
          if (m === -Infinity) continue; // no visible key (a padding query): output stays 0
          let z = 0;
          for (let j = 0; j <= t; j++) z += Math.exp(scores[j] - m);
          for (let j = 0; j <= t; j++) {
            const pj = Math.exp(scores[j] - m) / z;
            if (pj === 0) continue;
            for (let d = 0; d < D; d++) {
              attn[(t * nH + hd) * D + d] += pj * v[(j * nKV + kh) * D + d];
            }
          }
        }
      }
      for (let t = 0; t < T; t++) {
        const o = linear(get(w, `${p}.self_attn.o_proj.weight`), attn, t * nH * D, nH * D, H);
        for (let i = 0; i < H; i++) x[t * H + i] += o[i];
      }
      const h2 = x.slice();
      for (let t = 0; t < T; t++) {
        rmsNorm(h2, t * H, H, get(w, `${p}.post_attention_layernorm.weight`), eps);
        const g = linear(get(w, `${p}.mlp.gate_proj.weight`), h2, t * H, H, I);
        const u = linear(get(w, `${p}.mlp.up_proj.weight`), h2, t * H, H, I);
        for (let i = 0; i < I; i++) g[i] = (g[i] / (1 + Math.exp(-g[i]))) * u[i];
        const dn = linear(get(w, `${p}.mlp.down_proj.weight`), g, 0, I, H);
        for (let i = 0; i < H; i++) x[t * H + i] += dn[i];
      }
    }
    for (let t = 0; t < T; t++) rmsNorm(x, t * H, H, get(w, "model.norm.weight"), eps);
    out.set(x, b * T * H);
  }
  return out;
}

/**
 * Causal-LM logits.
 *
 * @param config model config (causal-lm)
 * @param w weights
 * @param ids token ids `[B][T]`
 * @param opts attention mask and position ids
 * @returns Float64Array `[B, T, vocab]`
 */
export function referenceLogits(
  config: ModelConfig,
  w: RefWeights,
  ids: number[][],
  opts: RefOptions = {},
): Float64Array {
  const hidden = referenceHidden(config, w, ids, opts);
  const head = config.tieWordEmbeddings
    ? get(w, "model.embed_tokens.weight")
    : get(w, "lm_head.weight");
  const H = config.hiddenSize, V = config.vocabSize, n = hidden.length / H;
  const out = new Float64Array(n * V);
  for (let r = 0; r < n; r++) out.set(linear(head, hidden, r * H, H, V), r * V);
  return out;
}

/**
 * Sequence-classification scores read at each row's last non-padding token (the last position
 * whose mask is 1; without a mask, the last id that is not `pad_token_id`, else the last).
 *
 * @param config model config (seq-cls)
 * @param w weights
 * @param ids token ids `[B][T]`
 * @param opts attention mask and position ids
 * @returns Float64Array `[B, numLabels]`
 */
export function referenceScores(
  config: ModelConfig,
  w: RefWeights,
  ids: number[][],
  opts: RefOptions = {},
): Float64Array {
  const hidden = referenceHidden(config, w, ids, opts);
  const H = config.hiddenSize, L = config.numLabels, T = ids[0].length;
  const out = new Float64Array(ids.length * L);
  for (let b = 0; b < ids.length; b++) {
    let last = T - 1;
    for (let t = T - 1; t >= 0; t--) {
      const real = opts.attentionMask
        ? opts.attentionMask[b][t] === 1
        : ids[b][t] !== config.padTokenId;
      if (real) {
        last = t;
        break;
      }
    }
    out.set(linear(get(w, "score.weight"), hidden, (b * T + last) * H, H, L), b * L);
  }
  return out;
}

/**
 * log p(ids[b][t+1] | ids[b][..t]) from logits.
 *
 * @param logits `[B, T, V]`
 * @param ids token ids `[B][T]`
 * @param vocab V
 * @returns `[B][T-1]`
 */
export function tokenLogprobs(logits: Float64Array, ids: number[][], vocab: number): number[][] {
  const T = ids[0].length;
  return ids.map((row, b) => {
    const lp: number[] = [];
    for (let t = 0; t + 1 < T; t++) {
      const off = (b * T + t) * vocab;
      let m = -Infinity;
      for (let i = 0; i < vocab; i++) m = Math.max(m, logits[off + i]);
      let z = 0;
      for (let i = 0; i < vocab; i++) z += Math.exp(logits[off + i] - m);
      lp.push(logits[off + row[t + 1]] - m - Math.log(z));
    }
    return lp;
  });
}

/**
 * Greedy decoding by full recomputation (no cache): the oracle for KV-cache decoders.
 *
 * @param config model config (causal-lm)
 * @param w weights
 * @param prompt prompt ids
 * @param steps number of tokens to generate
 * @returns the generated ids (ties go to the lowest id)
 */
export function referenceGreedy(
  config: ModelConfig,
  w: RefWeights,
  prompt: number[],
  steps: number,
): number[] {
  const seq = [...prompt];
  const V = config.vocabSize;
  for (let s = 0; s < steps; s++) {
    const logits = referenceLogits(config, w, [seq]);
    const off = (seq.length - 1) * V;
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[off + i] > logits[off + best]) best = i;
    seq.push(best);
  }
  return seq.slice(prompt.length);
}
