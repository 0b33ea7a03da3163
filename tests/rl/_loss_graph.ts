/**
 * Runs a loss graph piece once in float64 on hand-written [rows, cols] inputs. Private to
 * tests/rl.
 *
 * @module
 */

import { encodeModel, Graph, Session, type Value } from "../../lib/graph/mod.ts";

/** Named float64 inputs: a matrix as rows of numbers, or a scalar. */
export type PieceInputs = Record<string, number[][] | number>;

/**
 * Declares every input (float64; [rows, cols] or []), builds the named outputs with `build`,
 * runs the graph on CPU and returns each output's values as a flat number array.
 */
export async function runPiece(
  inputs: PieceInputs,
  build: (x: Record<string, Value>) => Record<string, Value>,
): Promise<Record<string, number[]>> {
  const g = new Graph("piece");
  const xs: Record<string, Value> = {};
  const feeds: Record<string, { dtype: "float64"; shape: number[]; data: Float64Array }> = {};
  for (const [name, v] of Object.entries(inputs)) {
    const shape = typeof v === "number" ? [] : [v.length, v[0].length];
    xs[name] = g.input(name, "float64", shape);
    feeds[name] = {
      dtype: "float64",
      shape,
      data: Float64Array.from(typeof v === "number" ? [v] : v.flat()),
    };
  }
  const outs = build(xs);
  for (const [name, v] of Object.entries(outs)) g.output(v, name);
  const s = await Session.create(encodeModel(g), { ep: "cpu", threads: 1, optimization: "basic" });
  try {
    const r = await s.run(feeds);
    return Object.fromEntries(Object.keys(outs).map((k) => [k, [...r[k].data].map(Number)]));
  } finally {
    await s.release();
  }
}

/** Asserts `|a_i - b_i| <= tol` for every element, naming the index. */
export function assertClose(got: number[], want: number[], tol = 1e-12, what = ""): void {
  if (got.length !== want.length) {
    throw new Error(`${what}: length ${got.length} vs ${want.length}`);
  }
  got.forEach((g, i) => {
    if (!(Math.abs(g - want[i]) <= tol)) {
      throw new Error(`${what}[${i}]: got ${g}, want ${want[i]} (tol ${tol})`);
    }
  });
}
