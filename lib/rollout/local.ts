/**
 * The kit's own sampler in the calling thread: a {@link RolloutEngine} over an onnxruntime
 * session holding the weights as initializers. `session.run()` blocks this thread while it
 * runs; servers and anything that must stay responsive use `WorkerGenerator` instead, which
 * runs this class in a Worker.
 *
 * @module
 */

import { basename } from "node:path";
import type { SessionOptions } from "../graph/mod.ts";
import { loadModel } from "../model/checkpoint.ts";
import type { ModelConfig } from "../model/config.ts";
import type { F32Tensor } from "../model/safetensors.ts";
import { loadTokenizer, type Tokenizer } from "../tokenizer/mod.ts";
import { OrtStepModel } from "./decode_model.ts";
import { type EngineOptions, type EngineStats, RolloutEngine } from "./engine.ts";
import type { GenerateOptions, GenerationRequest, GenerationResult, Generator } from "./types.ts";

/** Options of {@link LocalGenerator}. */
export interface LocalGeneratorOptions extends EngineOptions {
  /** onnxruntime session options (threads, provider). @default threads from onnxruntime */
  session?: SessionOptions;
  /** The model's name in results and servers. @default the directory name */
  name?: string;
  /** Where the tokenizer files are. @default the model directory */
  tokenizerDir?: string;
}

/** Samples from a model in this thread. */
export class LocalGenerator implements Generator {
  readonly #engine: RolloutEngine;
  readonly #config: ModelConfig;
  readonly #session: SessionOptions;

  private constructor(
    /** The model's name. */
    readonly model: string,
    /** The model's tokenizer. */
    readonly tokenizer: Tokenizer,
    engine: RolloutEngine,
    config: ModelConfig,
    session: SessionOptions,
  ) {
    this.#engine = engine;
    this.#config = config;
    this.#session = session;
  }

  /**
   * Loads an HF model directory (config, safetensors, tokenizer).
   *
   * @param dir the model directory
   * @param options engine, session and naming options
   * @returns the generator
   */
  static async load(dir: string, options: LocalGeneratorOptions = {}): Promise<LocalGenerator> {
    const { config, params } = await loadModel(dir);
    const tokenizer = await loadTokenizer(options.tokenizerDir ?? dir);
    return await LocalGenerator.create(config, params, tokenizer, {
      ...options,
      name: options.name ?? basename(dir.replace(/\/+$/, "")),
    });
  }

  /**
   * Wraps weights already in memory (e.g. the policy during RL).
   *
   * @param config a causal-LM config
   * @param params the weights by HF name
   * @param tokenizer the model's tokenizer
   * @param options engine, session and naming options
   * @returns the generator
   */
  static async create(
    config: ModelConfig,
    params: ReadonlyMap<string, F32Tensor>,
    tokenizer: Tokenizer,
    options: LocalGeneratorOptions = {},
  ): Promise<LocalGenerator> {
    const session = options.session ?? {};
    const model = await OrtStepModel.create(config, params, session);
    const engine = new RolloutEngine(model, tokenizer, options);
    return new LocalGenerator(options.name ?? "model", tokenizer, engine, config, session);
  }

  /** Context length in tokens. */
  get maxModelLen(): number {
    return this.#engine.maxModelLen;
  }

  /** Samples every request (see `Generator`). */
  generate(
    requests: readonly GenerationRequest[],
    options?: GenerateOptions,
  ): Promise<GenerationResult[]> {
    return this.#engine.generate(requests, options);
  }

  /**
   * Swaps in new weights (after a policy update): waits for the running batch to drain,
   * frees the old session, then builds the new one (`RolloutEngine.rebuildModel`).
   *
   * @param params the new weights (same config)
   */
  async setWeights(params: ReadonlyMap<string, F32Tensor>): Promise<void> {
    await this.#engine.rebuildModel(() => OrtStepModel.create(this.#config, params, this.#session));
  }

  /** Work counters of the engine. */
  stats(): EngineStats {
    return this.#engine.stats();
  }

  /** Waits for running work, then frees the session. */
  async close(): Promise<void> {
    await this.#engine.idle();
    await this.#engine.model.release();
  }
}
