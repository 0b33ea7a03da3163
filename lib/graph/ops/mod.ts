/**
 * The primitive ops of the graph IR. Each file defines ops (`OpDef`, with type inference
 * and the gradient rule beside the forward) and the functions that apply them.
 *
 * @example
 * ```ts
 * import { Graph } from "../ir.ts";
 * import * as op from "./mod.ts";
 * const g = new Graph();
 * const x = g.input("x", "float32", ["batch", 8]);
 * const w = g.input("w", "float32", [8, 4]);
 * const y = op.sigmoid(op.matmul(x, w)); // [batch, 4]
 * ```
 *
 * @module
 */

export * from "./elementwise.ts";
export * from "./shape.ts";
export * from "./index.ts";
export * from "./reduce.ts";
export * from "./matmul.ts";
export { constant, ints, scalarLike } from "./_util.ts";
