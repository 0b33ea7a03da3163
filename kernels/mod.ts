/**
 * The kit's custom ops: ONNX model-local functions in the kit's domain, each with its
 * gradient rule beside its forward. They are the units the model builder composes.
 *
 * @module
 */

export * from "./rmsnorm.ts";
export * from "./rope.ts";
export * from "./swiglu.ts";
export * from "./attention.ts";
export * from "./token_logprob.ts";
export * from "./entropy.ts";
export * from "../lib/graph/adamw.ts";
