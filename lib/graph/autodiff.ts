/**
 * Reverse-mode automatic differentiation over the graph IR: {@link grad} appends the
 * backward graph of a scalar (or seeded) output with respect to chosen values.
 *
 * Walks nodes in reverse creation order; each op's `vjp` rule (beside its forward in
 * `ops/` or `kernels/`) maps output gradients to input gradients; fan-in gradients are
 * summed. Values that do not depend on `wrt` (ids, masks, constants) are never visited.
 *
 * @module
 */

import { isFloat } from "./dtype.ts";
import { GraphError, type Value } from "./ir.ts";
import { add, fill } from "./ops/mod.ts";

/** Options of {@link grad}. */
export interface GradOptions {
  /** Gradient of the output (default: ones shaped like the output). */
  seed?: Value;
}

/**
 * Gradients of `y` with respect to each value in `wrt` (zeros where `y` does not depend on it).
 *
 * @param y the value to differentiate (usually a scalar loss)
 * @param wrt values (graph inputs or intermediates) to differentiate with respect to
 * @returns one gradient per `wrt` entry, each shaped like it
 */
export function grad(y: Value, wrt: Value[], options: GradOptions = {}): Value[] {
  const g = y.graph;
  for (const w of wrt) {
    if (!isFloat(w.dtype)) throw new GraphError(`grad: ${w.describe()} is not a float value`);
  }
  // Values that depend on some wrt value (forward reachability over float edges).
  const depends = new Set<Value>(wrt);
  for (const node of g.nodes) {
    if (node.inputs.some((x) => x !== null && depends.has(x))) {
      for (const o of node.outputs) if (isFloat(o.dtype)) depends.add(o);
    }
  }
  const contributions = new Map<Value, Value[]>();
  const push = (v: Value, gv: Value) => {
    const list = contributions.get(v);
    if (list) list.push(gv);
    else contributions.set(v, [gv]);
  };
  const total = (v: Value): Value | null => {
    const list = contributions.get(v);
    if (!list) return null;
    let s = list[0];
    for (let i = 1; i < list.length; i++) s = add(s, list[i]);
    contributions.set(v, [s]);
    return s;
  };
  push(y, options.seed ?? fill(y, 1));

  const stop = g.nodes.length;
  for (let i = stop - 1; i >= 0; i--) {
    const node = g.nodes[i];
    const gOut = node.outputs.map(total);
    if (gOut.every((x) => x === null)) continue;
    const needs = node.inputs.map((x) => x !== null && depends.has(x));
    if (!needs.some(Boolean)) continue;
    if (!node.def.vjp) {
      const names = node.inputs.filter((x, k) => x && needs[k]).map((x) => x!.describe());
      throw new GraphError(
        `no gradient rule for ${node.def.opType} (needed for ${names.join(", ")})`,
      );
    }
    const gIn = node.def.vjp(node, gOut, needs);
    if (gIn.length !== node.inputs.length) {
      throw new GraphError(
        `gradient rule of ${node.def.opType} returned ${gIn.length} gradients for ` +
          `${node.inputs.length} inputs`,
      );
    }
    gIn.forEach((gi, k) => {
      const x = node.inputs[k];
      if (!gi || !x || !needs[k]) return;
      checkGradShape(node.def.opType, x, gi);
      push(x, gi);
    });
  }
  return wrt.map((w) => total(w) ?? fill(w, 0));
}

function checkGradShape(op: string, x: Value, gx: Value): void {
  const bad = gx.dtype !== x.dtype || gx.rank !== x.rank ||
    x.shape.some((d, i) =>
      typeof d === "number" && typeof gx.shape[i] === "number" && d !== gx.shape[i]
    );
  if (bad) {
    throw new GraphError(
      `gradient rule of ${op} gave ${gx.describe()} for input ${x.describe()}`,
    );
  }
}
