/**
 * The kit's sampler in a Worker: the same `LocalGenerator`, driven by messages, so that
 * onnxruntime's blocking `run()` never stalls this thread (HTTP servers, progress timers,
 * other async work stay live; notes/onnxruntime.md §5). Concurrent `generate()` calls share
 * the worker's running batch. With `onText` the worker posts every text delta back as a
 * message; an aborted signal sends a `cancel` message, and the worker drops the call's rows.
 *
 * @module
 */

import type { ModelConfig } from "../model/config.ts";
import type { F32Tensor } from "../model/safetensors.ts";
import type { EngineStats } from "./engine.ts";
import {
  type GenerateOptions,
  GenerationError,
  type GenerationRequest,
  type GenerationResult,
  type Generator,
  type TextDelta,
} from "./types.ts";
import {
  type FromWorker,
  toWire,
  type ToWorker,
  type WireError,
  type WorkerInitOptions,
} from "./worker_protocol.ts";

/** Options of {@link WorkerGenerator}. */
export type WorkerGeneratorOptions = WorkerInitOptions;

interface Pending {
  resolve: (value: FromWorker) => void;
  reject: (error: Error) => void;
  /** Receives the call's `text` messages. */
  onText?: (delta: TextDelta) => void;
}

/** Samples from a model in a Worker. */
export class WorkerGenerator implements Generator {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  private constructor(
    worker: Worker,
    /** The model's name. */
    readonly model: string,
    /** Context length in tokens. */
    readonly maxModelLen: number,
  ) {
    this.#worker = worker;
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.#receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#failAll(new Error(`rollout worker crashed: ${e.message}`));
    };
  }

  /**
   * Starts a worker over an HF model directory.
   *
   * @param modelDir the model directory (config, safetensors, tokenizer)
   * @param options engine, session and naming options; `progress` prints from the worker
   * @returns the generator, once the model is loaded
   */
  static load(modelDir: string, options: WorkerGeneratorOptions = {}): Promise<WorkerGenerator> {
    return WorkerGenerator.#start({ type: "init", source: { modelDir }, options });
  }

  /**
   * Starts a worker over weights in memory (copied to the worker).
   *
   * @param config a causal-LM config
   * @param params the weights
   * @param tokenizerDir the directory holding the tokenizer files
   * @param options engine, session and naming options
   * @returns the generator, once the model is loaded
   */
  static create(
    config: ModelConfig,
    params: ReadonlyMap<string, F32Tensor>,
    tokenizerDir: string,
    options: WorkerGeneratorOptions = {},
  ): Promise<WorkerGenerator> {
    const source = { config, params: toWire(params), tokenizerDir };
    return WorkerGenerator.#start({ type: "init", source, options });
  }

  static #start(init: ToWorker): Promise<WorkerGenerator> {
    const worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
    return new Promise((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (m.type === "ready") resolve(new WorkerGenerator(worker, m.model, m.maxModelLen));
        else if (m.type === "error") {
          worker.terminate();
          reject(reviveError(m.error));
        }
      };
      worker.onerror = (e) => {
        e.preventDefault();
        worker.terminate();
        reject(new Error(`rollout worker failed to start: ${e.message}`));
      };
      worker.postMessage(init);
    });
  }

  #receive(m: FromWorker): void {
    if (m.type === "ready" || m.id === null) return;
    const p = this.#pending.get(m.id);
    if (!p) return;
    if (m.type === "text") {
      this.#deliver(m.id, p, m.delta);
      return;
    }
    this.#pending.delete(m.id);
    if (m.type === "error") p.reject(reviveError(m.error));
    else p.resolve(m);
  }

  /** Passes a delta on; a callback that throws cancels its call with that error. */
  #deliver(id: number, p: Pending, delta: TextDelta): void {
    try {
      p.onText?.(delta);
    } catch (e) {
      this.#worker.postMessage({ type: "cancel", id } satisfies ToWorker);
      this.#pending.delete(id);
      p.reject(e as Error);
    }
  }

  #failAll(error: Error): void {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  #call(
    build: (id: number) => ToWorker,
    onText?: (delta: TextDelta) => void,
  ): { id: number; reply: Promise<FromWorker> } {
    if (this.#closed) throw new Error("WorkerGenerator: closed");
    const id = this.#nextId++;
    const reply = new Promise<FromWorker>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onText });
    });
    this.#worker.postMessage(build(id));
    return { id, reply };
  }

  /** Samples every request (see `Generator`). */
  async generate(
    requests: readonly GenerationRequest[],
    options: GenerateOptions = {},
  ): Promise<GenerationResult[]> {
    options.signal?.throwIfAborted();
    const { id, reply } = this.#call(
      (id) => ({ type: "generate", id, requests: [...requests], stream: !!options.onText }),
      options.onText,
    );
    const onAbort = () => {
      this.#worker.postMessage({ type: "cancel", id } satisfies ToWorker);
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      p?.reject(options.signal!.reason);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const m = await reply;
      if (m.type !== "result") throw new Error(`WorkerGenerator: unexpected reply ${m.type}`);
      return m.results;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Swaps in new weights once the worker's running batch drains (after a policy update).
   *
   * @param params the new weights (same config)
   */
  async setWeights(params: ReadonlyMap<string, F32Tensor>): Promise<void> {
    await this.#call((id) => ({ type: "weights", id, params: toWire(params) })).reply;
  }

  /** Work counters of the worker's engine. */
  async stats(): Promise<EngineStats> {
    const m = await this.#call((id) => ({ type: "stats", id })).reply;
    if (m.type !== "stats") throw new Error(`WorkerGenerator: unexpected reply ${m.type}`);
    return m.stats;
  }

  /** Lets running work finish, frees the session and stops the worker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#call((id) => ({ type: "close", id })).reply;
    } finally {
      this.#closed = true;
      this.#worker.terminate();
      this.#failAll(new Error("WorkerGenerator: closed"));
    }
  }
}

/** Rebuilds an error posted by the worker (GenerationError keeps its code). */
function reviveError(e: WireError): Error {
  if (e.code) return new GenerationError(e.code, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
