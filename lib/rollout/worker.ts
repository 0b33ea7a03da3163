/**
 * The Worker side of `WorkerGenerator`: builds a `LocalGenerator` from the init message and
 * serves generate / cancel / weights / stats / close messages. onnxruntime's `run()` blocks
 * this thread only; messages that arrive during a step are handled between steps, so
 * concurrent requests join the running batch.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import type { Tokenizer } from "../tokenizer/mod.ts";
import { loadTokenizer } from "../tokenizer/mod.ts";
import { LocalGenerator } from "./local.ts";
import { stderrProgress } from "./progress.ts";
import { GenerationError, type TextDelta } from "./types.ts";
import { fromWire, type FromWorker, type ToWorker, type WireError } from "./worker_protocol.ts";

let generator: LocalGenerator | null = null;
const calls = new Map<number, AbortController>();

function post(message: FromWorker): void {
  self.postMessage(message);
}

function wireError(e: unknown): WireError {
  if (e instanceof GenerationError) return { name: e.name, message: e.message, code: e.code };
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message };
}

function ready(): LocalGenerator {
  if (!generator) throw new Error("worker: the generator is not initialised");
  return generator;
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case "init": {
      const { source, options } = msg;
      const engineOptions = {
        maxBatch: options.maxBatch,
        maxModelLen: options.maxModelLen,
        prefillTokens: options.prefillTokens,
        session: options.session,
        name: options.name,
        tokenizerDir: options.tokenizerDir,
        progress: options.progress ? stderrProgress() : undefined,
      };
      if ("modelDir" in source) {
        generator = await LocalGenerator.load(source.modelDir, engineOptions);
      } else {
        const tokenizer: Tokenizer = await loadTokenizer(source.tokenizerDir);
        generator = await LocalGenerator.create(
          source.config,
          fromWire(source.params),
          tokenizer,
          engineOptions,
        );
      }
      post({ type: "ready", model: generator.model, maxModelLen: generator.maxModelLen });
      return;
    }
    case "generate": {
      const controller = new AbortController();
      calls.set(msg.id, controller);
      try {
        const onText = msg.stream
          ? (delta: TextDelta) => post({ type: "text", id: msg.id, delta })
          : undefined;
        const results = await ready().generate(msg.requests, {
          signal: controller.signal,
          onText,
        });
        post({ type: "result", id: msg.id, results });
      } finally {
        calls.delete(msg.id);
      }
      return;
    }
    case "cancel":
      calls.get(msg.id)?.abort(new DOMException("cancelled by the caller", "AbortError"));
      return;
    case "weights":
      await ready().setWeights(fromWire(msg.params));
      post({ type: "done", id: msg.id });
      return;
    case "stats":
      post({ type: "stats", id: msg.id, stats: ready().stats() });
      return;
    case "close":
      await generator?.close();
      generator = null;
      post({ type: "done", id: msg.id });
      return;
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  handle(msg).catch((err) => {
    post({ type: "error", id: "id" in msg ? msg.id : null, error: wireError(err) });
  });
};
