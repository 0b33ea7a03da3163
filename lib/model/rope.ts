/**
 * Rotary position embedding frequencies, including Llama 3's frequency scaling.
 *
 * Reference: transformers `modeling_rope_utils._compute_default_rope_parameters` and
 * `_compute_llama3_parameters`. Computed in float64 (transformers computes the same formula
 * in float32).
 *
 * @module
 */

import type { ModelConfig } from "./config.ts";

/**
 * The head_dim/2 RoPE inverse frequencies `theta^(-2i/head_dim)`, with the `llama3` rule
 * applied when the config has `rope_scaling`: wavelengths shorter than
 * `original_max_position_embeddings / high_freq_factor` stay, those longer than
 * `original / low_freq_factor` are divided by `factor`, and those between are interpolated
 * by `smooth = (original / wavelen - low) / (high - low)`.
 *
 * @param config the model config (uses headDim, ropeTheta, ropeScaling)
 * @returns Float64Array of length headDim / 2
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { ropeInvFreq } from "./rope.ts";
 * const f = ropeInvFreq({ headDim: 4, ropeTheta: 10000, ropeScaling: null });
 * ok(Math.abs(f[1] - 0.01) < 1e-15);
 * ```
 */
export function ropeInvFreq(
  config: Pick<ModelConfig, "headDim" | "ropeTheta" | "ropeScaling">,
): Float64Array {
  const dim = config.headDim;
  const half = dim / 2;
  const out = new Float64Array(half);
  for (let i = 0; i < half; i++) out[i] = 1 / Math.pow(config.ropeTheta, (2 * i) / dim);
  const rs = config.ropeScaling;
  if (!rs) return out;
  const lowFreqWavelen = rs.originalMaxPositionEmbeddings / rs.lowFreqFactor;
  const highFreqWavelen = rs.originalMaxPositionEmbeddings / rs.highFreqFactor;
  for (let i = 0; i < half; i++) {
    const f = out[i];
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) continue;
    if (wavelen > lowFreqWavelen) {
      out[i] = f / rs.factor;
      continue;
    }
    const smooth = (rs.originalMaxPositionEmbeddings / wavelen - rs.lowFreqFactor) /
      (rs.highFreqFactor - rs.lowFreqFactor);
    out[i] = (1 - smooth) * f / rs.factor + smooth * f;
  }
  return out;
}
