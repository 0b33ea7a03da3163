/**
 * The sampler's model: the decoder of `lib/model` (`decoder()` in `qwen3.ts`) as one
 * prefill + decode graph whose weights are initializers (prepacked once by onnxruntime, notes
 * §8), and its onnxruntime session. The weights reach onnxruntime as in-memory external data
 * (`encodeModelExternal`), not inside the model bytes: the RL trainer rebuilds this session
 * after every actor update, and writing config M's 168 MB of weights into a protobuf buffer
 * took 50-100 ms in a fresh process and 500-800 ms inside the trainer, whose heap holds the
 * updates' memory. onnxruntime copies them, so the trainer may update its arrays afterwards.
 *
 * The graph differs from `buildDecodeGraph()` in what it returns: the next-token
 * probabilities `probs` = `softmax(logits / temperature)` of each row's last position [B, V]
 * (onnxruntime's vectorised softmax, so the host never exponentiates the vocabulary), and only
 * the *new* keys and values `new.{i}.key|value` [B, Hkv, T, D], not the whole `present` cache. onnxruntime copies every output into a fresh
 * buffer, so returning the whole cache would copy it once per generated token; the host keeps
 * the cache instead ({@link KvCache}) and feeds it back in place.
 *
 * Inputs: `input_ids`, `position_ids` int64 [B, T]; `attention_mask` int64 [B, P + T];
 * `past_key_values.{i}.key|value` float32 [B, Hkv, P, D] (P = 0 for a prefill); `temperature`
 * float32 [B] (> 0). Every row's last position must be a real token (left padding).
 *
 * @module
 */

import { encodeModelExternal, Graph, op, Session, type SessionOptions } from "../graph/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import { declareDecodeInputs, pastName } from "../model/graphs.ts";
import { decoder, lastPosition, lmLogits } from "../model/qwen3.ts";
import type { F32Tensor } from "../model/safetensors.ts";
import { declareWeights } from "../model/weights.ts";

/** Name of layer `i`'s new keys or values. */
export const newKvName = (i: number, kind: "key" | "value"): string => `new.${i}.${kind}`;

/**
 * Builds the sampler's graph with the weights stored as initializers.
 *
 * @param config a causal-LM config
 * @param params the weights, by HF name
 * @returns the graph (encode it with `encodeModel`)
 */
export function buildSamplerGraph(
  config: ModelConfig,
  params: ReadonlyMap<string, F32Tensor>,
): Graph {
  if (config.task !== "causal-lm") {
    throw new Error(`buildSamplerGraph: needs a causal LM, got ${config.architecture}`);
  }
  const g = new Graph("sampler");
  const w = declareWeights(g, config, params, "float32");
  const { inputIds, attentionMask, positionIds, past } = declareDecodeInputs(g, config, "float32");
  const temperature = g.input("temperature", "float32", ["batch"]);
  // newKvOnly: attention reads the cache in place (no concatenation, which copied every
  // layer's whole cache per step) and `present` holds just this call's keys/values.
  const out = decoder(config, w, { inputIds, attentionMask, positionIds, past, newKvOnly: true });
  const logits = lmLogits(config, w, lastPosition(out.hidden, out.batchSeq)); // [B, V]
  g.output(op.softmax(op.div(logits, op.unsqueeze(temperature, [1])), -1), "probs"); // [B, V]
  out.present.forEach((kv, i) => {
    g.output(kv.key, newKvName(i, "key")); // [B, Hkv, T, D]
    g.output(kv.value, newKvName(i, "value"));
  });
  return g;
}

/** One call's inputs (all row-major). */
export interface ModelStepInput {
  /** int64 [B, T]. */
  inputIds: BigInt64Array;
  /** int64 [B, T]. */
  positionIds: BigInt64Array;
  /** int64 [B, P + T]. */
  attentionMask: BigInt64Array;
  batch: number;
  /** New tokens per row. */
  seq: number;
  /** The cache, `[key0, value0, ...]`, each [B, Hkv, P, D]. */
  past: readonly Float32Array[];
  /** P. */
  pastLength: number;
  /** Softmax temperature per row, > 0 ([B]). */
  temperature: Float32Array;
}

/** One call's outputs. */
export interface ModelStepOutput {
  /** `softmax(logits / temperature)` at each row's last position, [B, V]. */
  probs: Float32Array;
  /** New keys/values `[key0, value0, ...]`, each [B, Hkv, T, D]. */
  newKv: Float32Array[];
}

/** What the sampler needs from a model: one prefill or decode call. */
export interface StepModel {
  readonly config: ModelConfig;
  run(input: ModelStepInput): Promise<ModelStepOutput>;
  release(): Promise<void>;
}

/** Options of {@link OrtStepModel.create}: the session's, and how a prefill feeds its empty cache. */
export interface StepModelOptions extends SessionOptions {
  /**
   * Feed a prefill's empty cache (P = 0) as one masked slot of zeros instead (P = 1, its mask
   * column 0): its softmax weight is exactly 0 for every real token, so the probabilities and the
   * real positions' keys and values are the same (a padding position, which sees no key, spreads
   * its attention over the slot too; it stays masked in every later step). onnxruntime-node
   * 1.30's WebGPU provider crashes (SIGSEGV) on a MatMul whose inner dimension is 0, which the
   * past part of `prefixAttention` is when P = 0 (found on Mesa's lavapipe Vulkan,
   * 2026-12-02). @default true on the WebGPU provider, else false
   */
  emptyCacheSlot?: boolean;
}

/** The sampler's graph in an onnxruntime session. */
export class OrtStepModel implements StepModel {
  private constructor(
    readonly config: ModelConfig,
    private readonly session: Session,
    /** Whether a prefill's empty cache is fed as one masked slot (see {@link StepModelOptions}). */
    readonly emptyCacheSlot: boolean,
  ) {}

  /**
   * Builds the graph and opens its session.
   *
   * @param config a causal-LM config
   * @param params the weights
   * @param options session options (threads, provider) @default memPattern off (shapes vary)
   * @returns the model
   */
  static async create(
    config: ModelConfig,
    params: ReadonlyMap<string, F32Tensor>,
    options: StepModelOptions = {},
  ): Promise<OrtStepModel> {
    const { emptyCacheSlot, ...sessionOptions } = options;
    const { model, externalData } = encodeModelExternal(buildSamplerGraph(config, params));
    const session = await Session.create(model, {
      memPattern: false,
      ...sessionOptions,
      externalData,
    });
    return new OrtStepModel(config, session, emptyCacheSlot ?? session.ep === "webgpu");
  }

  /** Runs one prefill or decode call. */
  async run(input: ModelStepInput): Promise<ModelStepOutput> {
    if (input.pastLength === 0 && this.emptyCacheSlot) input = withMaskedSlot(this.config, input);
    const { batch: B, seq: T, pastLength: P } = input;
    const c = this.config, L = c.numHiddenLayers;
    const feeds: Parameters<Session["run"]>[0] = {
      input_ids: { dtype: "int64", shape: [B, T], data: input.inputIds },
      position_ids: { dtype: "int64", shape: [B, T], data: input.positionIds },
      attention_mask: { dtype: "int64", shape: [B, P + T], data: input.attentionMask },
      temperature: { dtype: "float32", shape: [B], data: input.temperature },
    };
    const cacheShape = [B, c.numKeyValueHeads, P, c.headDim];
    for (let i = 0; i < L; i++) {
      feeds[pastName(i, "key")] = { dtype: "float32", shape: cacheShape, data: input.past[2 * i] };
      feeds[pastName(i, "value")] = {
        dtype: "float32",
        shape: cacheShape,
        data: input.past[2 * i + 1],
      };
    }
    const out = await this.session.run(feeds);
    const newKv: Float32Array[] = [];
    for (let i = 0; i < L; i++) {
      newKv.push(out[newKvName(i, "key")].data as Float32Array);
      newKv.push(out[newKvName(i, "value")].data as Float32Array);
    }
    return { probs: out.probs.data as Float32Array, newKv };
  }

  /** Frees the session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A prefill's input with its empty cache replaced by one masked slot of zeros (P = 1). */
function withMaskedSlot(c: ModelConfig, input: ModelStepInput): ModelStepInput {
  const { batch: B, seq: T } = input;
  const slot = new Float32Array(B * c.numKeyValueHeads * c.headDim);
  const mask = new BigInt64Array(B * (T + 1)); // column 0 of each row stays 0
  for (let b = 0; b < B; b++) {
    mask.set(input.attentionMask.subarray(b * T, (b + 1) * T), b * (T + 1) + 1);
  }
  return {
    ...input,
    attentionMask: mask,
    past: input.past.map(() => slot),
    pastLength: 1,
  };
}
