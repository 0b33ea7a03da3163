/**
 * Rollouts: the kit's batched KV-cache sampler (in this thread or a Worker), an
 * OpenAI-compatible server over it, and a client for any such server — all behind one
 * {@link Generator} interface that evaluation and RL call.
 *
 * ```ts ignore
 * const gen = await WorkerGenerator.load("runs/toy/policy", { progress: true });
 * const [r] = await gen.generate([{ messages: [{ role: "user", content: "2+2?" }], n: 4, maxTokens: 64, seed: 1 }]);
 * r.samples[0].text; r.samples[0].responseIds; r.samples[0].logprobs; r.samples[0].finishReason;
 * await gen.close();
 * ```
 *
 * @module
 */

export * from "./types.ts";
export { type SamplingRule, samplingRules, topK, topP } from "./processors.ts";
export { type EngineOptions, type EngineStats, RolloutEngine } from "./engine.ts";
export { buildSamplerGraph, OrtStepModel, type StepModel } from "./decode_model.ts";
export { LocalGenerator, type LocalGeneratorOptions } from "./local.ts";
export { WorkerGenerator, type WorkerGeneratorOptions } from "./worker_generator.ts";
export { type ProgressSink, type RolloutProgress, stderrProgress } from "./progress.ts";
export {
  createOpenAIHandler,
  type OpenAIHandlerOptions,
  serveOpenAI,
  type ServeOptions,
} from "./server.ts";
export { OpenAIClientGenerator, type OpenAIClientOptions } from "./openai_client.ts";
