/**
 * Opening the generator an evaluation runs on: the kit's sampler over a local HF model
 * directory, or an OpenAI-compatible server (vLLM, SGLang, `deno task serve`).
 *
 * @module
 */

import { basename } from "node:path";
import { LocalGenerator } from "../rollout/local.ts";
import { OpenAIClientGenerator } from "../rollout/openai_client.ts";
import type { Generator } from "../rollout/types.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import type { RunIdentity } from "./run_identity.ts";

/** Options of {@link openGenerator}: exactly one of `model` and `endpoint`. */
export interface OpenGeneratorOptions {
  /** A local HF model directory. */
  model?: string;
  /** An OpenAI-compatible server's base URL (`http://host:8000/v1`). */
  endpoint?: string;
  /** The model's name (the served model id for an endpoint). @default the directory name / the server's first model */
  modelName?: string;
  /** For an endpoint: the model's tokenizer, to count tokens when the server returns no ids. */
  tokenizer?: Tokenizer;
  /** onnxruntime intra-op threads for the local sampler. */
  threads?: number;
  /** Most sequences decoded together by the local sampler. @default the engine's */
  maxBatch?: number;
}

/** An opened generator with what a run records about it. */
export interface OpenedGenerator {
  generator: Generator;
  /** The model's name, directory and endpoint. */
  identity: RunIdentity["model"];
  /** The tokenizer, when the model is local. */
  tokenizer?: Tokenizer;
}

/**
 * Opens the kit's sampler on a model directory or a client for a server.
 *
 * @param o the model directory or endpoint, name, threads
 * @returns the generator and its identity
 */
export async function openGenerator(o: OpenGeneratorOptions): Promise<OpenedGenerator> {
  if ((o.model === undefined) === (o.endpoint === undefined)) {
    throw new Error("openGenerator: give exactly one of model and endpoint");
  }
  if (o.model !== undefined) {
    const name = o.modelName ?? basename(o.model.replace(/\/+$/, ""));
    const generator = await LocalGenerator.load(o.model, {
      name,
      ...(o.threads ? { session: { threads: o.threads } } : {}),
      ...(o.maxBatch ? { maxBatch: o.maxBatch } : {}),
    });
    return {
      generator,
      identity: { name, path: o.model, endpoint: null },
      tokenizer: generator.tokenizer,
    };
  }
  // Evaluation needs only the text; token ids (for counts) come when the server returns them.
  const generator = await OpenAIClientGenerator.connect({
    baseUrl: o.endpoint!,
    model: o.modelName,
    tokenIds: "optional",
    tokenizer: o.tokenizer,
  });
  return {
    generator,
    identity: { name: generator.model, path: null, endpoint: o.endpoint! },
    tokenizer: o.tokenizer,
  };
}
