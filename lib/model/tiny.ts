/**
 * Random-initialised models in Hugging Face format, for tests, benchmarks and the embedded
 * default profile, plus the two standard benchmark configs (DESIGN.md "Benchmarks").
 *
 * Initialisation follows transformers' `_init_weights`: linear and embedding weights
 * N(0, initializer_range = 0.02), RMSNorm weights 1, the padding token's embedding row 0.
 *
 * @module
 */

import { defineModelConfig, type ModelConfig } from "./config.ts";
import { writeModelConfig } from "./config_io.ts";
import { parameterSpecs } from "./params.ts";
import type { F32Tensor } from "./safetensors.ts";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./safetensors_dtype.ts";
import { writeSafetensorsSharded } from "./safetensors_write.ts";
import { Rng } from "../util/rng.ts";

export { parameterSpecs } from "./params.ts";

/** Options for {@link initParameters}. */
export interface InitOptions {
  /** Seed of the random stream; the same seed gives the same weights. */
  seed: number;
  /** Standard deviation of linear and embedding weights. @default 0.02 */
  std?: number;
  /** Norm weights are `1 + N(0, normStd)`; 0 keeps transformers' ones. @default 0 */
  normStd?: number;
}

/**
 * Draws random parameters for a config (in {@link parameterSpecs} order, from one stream).
 *
 * @param config the model config
 * @param options seed and scales
 * @returns name -> float32 tensor
 */
export function initParameters(config: ModelConfig, options: InitOptions): Map<string, F32Tensor> {
  const std = options.std ?? 0.02;
  const normStd = options.normStd ?? 0;
  const rng = new Rng(options.seed);
  const out = new Map<string, F32Tensor>();
  for (const spec of parameterSpecs(config)) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.kind === "norm") {
      if (normStd > 0) rng.fillNormal(data, normStd, 1);
      else data.fill(1);
    } else {
      rng.fillNormal(data, std);
    }
    if (spec.kind === "embedding" && config.padTokenId !== null) {
      data.fill(
        0,
        config.padTokenId * config.hiddenSize,
        (config.padTokenId + 1) * config.hiddenSize,
      );
    }
    out.set(spec.name, { shape: [...spec.shape], data });
  }
  return out;
}

/** Options for {@link createTinyModel}. */
export interface CreateTinyOptions extends InitOptions {
  /** Storage dtype of `model.safetensors` (also written as `torch_dtype`). @default "F32" */
  dtype?: "F32" | "BF16" | "F16";
  /** Shard the weights above this many bytes. @default 5e9 */
  maxShardBytes?: number;
}

const TORCH_DTYPE = { F32: "float32", BF16: "bfloat16", F16: "float16" } as const;

/**
 * Writes a random-initialised HF model directory: `config.json` and `model.safetensors`
 * (sharded above `maxShardBytes`).
 *
 * @param dir the directory (created if missing)
 * @param config the model config
 * @param options seed, scales and storage dtype
 * @returns the parameters exactly as they load back (rounded when stored as BF16/F16)
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { benchConfig, createTinyModel, readModelConfig } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await createTinyModel(dir, benchConfig("S"), { seed: 1 });
 * deepStrictEqual((await readModelConfig(dir)).hiddenSize, 256);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function createTinyModel(
  dir: string,
  config: ModelConfig,
  options: CreateTinyOptions,
): Promise<Map<string, F32Tensor>> {
  const dtype = options.dtype ?? "F32";
  const params = initParameters(config, options);
  if (dtype !== "F32") {
    for (const t of params.values()) {
      t.data = dtype === "BF16" ? bf16ToF32(f32ToBf16(t.data)) : f16ToF32(f32ToF16(t.data));
    }
  }
  await writeModelConfig(dir, { ...config, torchDtype: TORCH_DTYPE[dtype] });
  await writeSafetensorsSharded(
    dir,
    [...params].map(([name, t]) => [name, { shape: t.shape, data: t.data, dtype }] as const),
    { maxShardBytes: options.maxShardBytes },
  );
  return params;
}

/** Names of the benchmark configs ({@link benchConfig}). */
export const BENCH_CONFIGS = ["S", "M", "0.6B"] as const;

/** A benchmark config's name. */
export type BenchConfigName = typeof BENCH_CONFIGS[number];

/**
 * The standard benchmark configs shared by all benches: Qwen3-shaped, fp32, tied embeddings,
 * rope theta 1e6. S = hidden 256, 4 layers, 4 heads / 2 kv, head_dim 64, intermediate 768,
 * vocab 8192; M = hidden 512, 8 layers, 8 heads / 4 kv, head_dim 64, intermediate 1536,
 * vocab 32768; 0.6B = Qwen3-0.6B's shape (hidden 1024, 28 layers, 16 heads / 8 kv, head_dim
 * 128, intermediate 3072, vocab 151936; 596M parameters), for GPU providers.
 *
 * @param size "S", "M" or "0.6B"
 * @returns the config
 */
export function benchConfig(size: BenchConfigName): ModelConfig {
  const common = { arch: "qwen3", ropeTheta: 1e6, tieWordEmbeddings: true } as const;
  if (size === "0.6B") {
    return defineModelConfig({
      ...common,
      headDim: 128,
      hiddenSize: 1024,
      numHiddenLayers: 28,
      numAttentionHeads: 16,
      numKeyValueHeads: 8,
      intermediateSize: 3072,
      vocabSize: 151936,
    });
  }
  return size === "S"
    ? defineModelConfig({
      ...common,
      headDim: 64,
      hiddenSize: 256,
      numHiddenLayers: 4,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      intermediateSize: 768,
      vocabSize: 8192,
    })
    : defineModelConfig({
      ...common,
      headDim: 64,
      hiddenSize: 512,
      numHiddenLayers: 8,
      numAttentionHeads: 8,
      numKeyValueHeads: 4,
      intermediateSize: 1536,
      vocabSize: 32768,
    });
}
