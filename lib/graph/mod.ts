/**
 * The tensor-graph engine: IR, primitive ops with gradient rules, reverse-mode autodiff,
 * ONNX encoding and onnxruntime sessions.
 *
 * @module
 */

export * from "./dtype.ts";
export * from "./ir.ts";
export * from "./autodiff.ts";
export * from "./onnx.ts";
export * from "./session.ts";
export * as op from "./ops/mod.ts";
export * from "./adamw.ts";
export * from "./adamw_host.ts";
export * from "./train_step.ts";
export * from "./train_runner.ts";
export * from "./gemm_peak.ts";
