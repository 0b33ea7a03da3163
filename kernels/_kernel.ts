/**
 * Helpers for defining kernels (`lib/graph/kernel.ts`, where the engine's AdamW uses them
 * too), re-exported for the kernels in this folder.
 *
 * @module
 */

export { callKernel, floatDtype, kernelFail, KIT_DOMAIN, sameDim } from "../lib/graph/kernel.ts";
