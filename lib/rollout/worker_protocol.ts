/**
 * Messages between `WorkerGenerator` (main thread) and `worker.ts` (the Worker that runs a
 * `LocalGenerator`). Everything is structured-cloneable: weights travel as
 * `[name, shape, data]` triples.
 *
 * @module
 */

import type { SessionOptions } from "../graph/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import type { F32Tensor } from "../model/safetensors.ts";
import type { EngineStats } from "./engine.ts";
import type {
  GenerationErrorCode,
  GenerationRequest,
  GenerationResult,
  TextDelta,
} from "./types.ts";

/** Weights as cloneable triples. */
export type WireParams = [name: string, shape: number[], data: Float32Array][];

/** Where the worker gets its model. */
export type WorkerModelSource =
  | { modelDir: string }
  | { config: ModelConfig; params: WireParams; tokenizerDir: string };

/** Options the worker's generator is built with. */
export interface WorkerInitOptions {
  maxBatch?: number;
  maxModelLen?: number;
  prefillTokens?: number;
  session?: SessionOptions;
  name?: string;
  tokenizerDir?: string;
  /** Print progress lines to stderr from the worker. */
  progress?: boolean;
}

/** Main thread -> worker. */
export type ToWorker =
  | { type: "init"; source: WorkerModelSource; options: WorkerInitOptions }
  | {
    type: "generate";
    id: number;
    requests: GenerationRequest[];
    /** Post a `text` message per {@link TextDelta}. */
    stream: boolean;
  }
  | { type: "cancel"; id: number }
  | { type: "weights"; id: number; params: WireParams }
  | { type: "stats"; id: number }
  | { type: "close"; id: number };

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string;
  message: string;
  code?: GenerationErrorCode;
}

/** Worker -> main thread. */
export type FromWorker =
  | { type: "ready"; model: string; maxModelLen: number }
  | { type: "text"; id: number; delta: TextDelta }
  | { type: "result"; id: number; results: GenerationResult[] }
  | { type: "stats"; id: number; stats: EngineStats }
  | { type: "done"; id: number }
  | { type: "error"; id: number | null; error: WireError };

/**
 * Weights to wire form (the arrays are cloned on posting).
 *
 * @param params name -> tensor
 * @returns triples
 */
export function toWire(params: ReadonlyMap<string, F32Tensor>): WireParams {
  return [...params].map(([name, t]) => [name, t.shape, t.data]);
}

/**
 * Weights from wire form.
 *
 * @param params triples
 * @returns name -> tensor
 */
export function fromWire(params: WireParams): Map<string, F32Tensor> {
  return new Map(params.map(([name, shape, data]) => [name, { shape, data }]));
}
