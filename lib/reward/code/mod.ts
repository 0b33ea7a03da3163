/**
 * Secure execution of generated code: a bubblewrap sandbox with resource limits, and the
 * HumanEval / MBPP+ (Python) and MultiPL-E (TypeScript) judging rules on top of it; where
 * bubblewrap is absent, TypeScript/JavaScript runs in a permission-less Deno child instead.
 *
 * @module
 */

export * from "./verdict.ts";
export * from "./sandbox_env.ts";
export * from "./sandbox_argv.ts";
export * from "./sandbox.ts";
export * from "./deno_sandbox.ts";
export * from "./pool.ts";
export * from "./programs.ts";
export * from "./python.ts";
export * from "./evalplus.ts";
export * from "./python_samples.ts";
export * from "./tsc_service.ts";
export * from "./typescript.ts";
