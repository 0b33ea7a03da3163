/**
 * Running a causal LM on the host: load an HF model directory, build its graphs, open
 * onnxruntime sessions (lazily, one per graph kind) and run logits, token log-probabilities
 * and greedy prefill + KV-cache decoding.
 *
 * Weights become initializers (prepacked once by onnxruntime) unless the model is too big
 * for one protobuf (2 GB), in which case they are fed as inputs on every run (zero-copy).
 *
 * @module
 */

import {
  encodeModel,
  type Graph,
  type HostArray,
  type HostTensor,
  Session,
  type SessionOptions,
} from "../graph/mod.ts";
import { padBatch, type TokenBatch } from "./batch.ts";
import type { ModelConfig } from "./config.ts";
import { loadModel } from "./checkpoint.ts";
import { buildCausalLmGraph, buildDecodeGraph, pastName, presentName } from "./graphs.ts";
import type { ModelDType } from "./heads.ts";
import type { F32Tensor } from "./safetensors.ts";

/** Options of {@link CausalLmRunner}. */
export interface RunnerOptions extends SessionOptions {
  /** Compute dtype. @default "float32" */
  dtype?: ModelDType;
  /** Store weights in the graphs, or feed them on every run. @default "initializers" below 1.5 GB */
  weightsAs?: "initializers" | "inputs";
}

/** Parameters above this many bytes are fed as inputs (a ModelProto is capped at 2 GB). */
const MAX_INITIALIZER_BYTES = 1.5 * 2 ** 30;

type GraphKind = "logits" | "logprobs" | "decode";

/** A causal LM with lazily created sessions for its logits, log-prob and decode graphs. */
export class CausalLmRunner {
  private readonly sessions = new Map<GraphKind, Session>();
  private readonly weightsAs: "initializers" | "inputs";
  private readonly dtype: ModelDType;

  private constructor(
    /** The model config. */
    readonly config: ModelConfig,
    /** The parameters, by HF name. */
    readonly params: ReadonlyMap<string, F32Tensor>,
    private readonly options: RunnerOptions,
  ) {
    if (config.task !== "causal-lm") {
      throw new Error(`CausalLmRunner: ${config.architecture} is not a causal LM`);
    }
    this.dtype = options.dtype ?? "float32";
    const bytes = [...params.values()].reduce((n, t) => n + t.data.byteLength, 0);
    this.weightsAs = options.weightsAs ??
      (bytes > MAX_INITIALIZER_BYTES ? "inputs" : "initializers");
  }

  /** Loads an HF model directory. */
  static async load(dir: string, options: RunnerOptions = {}): Promise<CausalLmRunner> {
    const { config, params } = await loadModel(dir);
    return new CausalLmRunner(config, params, options);
  }

  /** Wraps parameters already in memory. */
  static fromParams(
    config: ModelConfig,
    params: ReadonlyMap<string, F32Tensor>,
    options: RunnerOptions = {},
  ): CausalLmRunner {
    return new CausalLmRunner(config, params, options);
  }

  private async session(kind: GraphKind): Promise<Session> {
    let s = this.sessions.get(kind);
    if (s) return s;
    const weights = this.weightsAs === "inputs" ? "inputs" : this.params;
    const opts = { dtype: this.dtype, weights } as const;
    const g: Graph = kind === "decode"
      ? buildDecodeGraph(this.config, { ...opts, lastLogitsOnly: true })
      : buildCausalLmGraph(this.config, { ...opts, output: kind });
    // float64 graphs: ORT's extended fusions have no float64 kernels.
    const optimization = this.options.optimization ?? (this.dtype === "float64" ? "basic" : "all");
    s = await Session.create(encodeModel(g), { ...this.options, optimization });
    this.sessions.set(kind, s);
    return s;
  }

  private async run(
    kind: GraphKind,
    feeds: Record<string, HostTensor>,
  ): Promise<Record<string, HostTensor>> {
    const s = await this.session(kind);
    if (this.weightsAs === "inputs") {
      for (const [name, t] of this.params) {
        if (s.inputNames.includes(name)) feeds[name] = this.weightTensor(t);
      }
    }
    return await s.run(feeds);
  }

  private weightTensor(t: F32Tensor): HostTensor {
    if (this.dtype === "float32") return { dtype: "float32", shape: t.shape, data: t.data };
    return { dtype: "float64", shape: t.shape, data: Float64Array.from(t.data) };
  }

  /** Logits [B, T, V] of a padded batch. */
  async logits(batch: TokenBatch): Promise<HostTensor> {
    return (await this.run("logits", { ...batch.feeds })).logits;
  }

  /**
   * log p(targets) and the entropy at every position of a padded batch, [B, T] each.
   *
   * @param batch the padded batch
   * @param targets int64 [B, T]
   */
  async tokenLogprobs(
    batch: TokenBatch,
    targets: BigInt64Array,
  ): Promise<{ logprobs: HostTensor; entropy: HostTensor }> {
    const shape = [batch.batch, batch.seq];
    const out = await this.run("logprobs", {
      ...batch.feeds,
      targets: { dtype: "int64", shape, data: targets },
    });
    return { logprobs: out.logprobs, entropy: out.entropy };
  }

  /**
   * Greedy decoding of one prompt: a prefill over the prompt, then one KV-cache step per new
   * token (ties go to the lowest id). Stops early after an id in `stopIds`.
   *
   * @param prompt prompt ids
   * @param steps most new tokens
   * @param options ids that end generation (included in the result)
   * @returns the new ids
   */
  async greedy(
    prompt: number[],
    steps: number,
    options: { stopIds?: number[] } = {},
  ): Promise<number[]> {
    const c = this.config, L = c.numHiddenLayers;
    const empty = this.dtype === "float32" ? new Float32Array(0) : new Float64Array(0);
    let past: HostTensor[] = [];
    for (let i = 0; i < 2 * L; i++) {
      past.push({ dtype: this.dtype, shape: [1, c.numKeyValueHeads, 0, c.headDim], data: empty });
    }
    let input = prompt;
    const out: number[] = [];
    for (let s = 0; s < steps; s++) {
      const pastLen = past[0].shape[2];
      const batch = padBatch([input]);
      const total = pastLen + input.length;
      const feeds: Record<string, HostTensor> = {
        input_ids: batch.feeds.input_ids,
        attention_mask: {
          dtype: "int64",
          shape: [1, total],
          data: new BigInt64Array(total).fill(1n),
        },
        position_ids: {
          dtype: "int64",
          shape: [1, input.length],
          data: BigInt64Array.from(input, (_, t) => BigInt(pastLen + t)),
        },
      };
      for (let i = 0; i < L; i++) {
        feeds[pastName(i, "key")] = past[2 * i];
        feeds[pastName(i, "value")] = past[2 * i + 1];
      }
      const res = await this.run("decode", feeds);
      const next = argmax(res.logits.data);
      out.push(next);
      if (options.stopIds?.includes(next)) break;
      past = [];
      for (let i = 0; i < L; i++) {
        past.push(res[presentName(i, "key")], res[presentName(i, "value")]);
      }
      input = [next];
    }
    return out;
  }

  /** Frees the sessions. */
  async release(): Promise<void> {
    for (const s of this.sessions.values()) await s.release();
    this.sessions.clear();
  }
}

/** Index of the largest value (the first on ties). */
export function argmax(values: HostArray): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
