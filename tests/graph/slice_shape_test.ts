import assert from "node:assert/strict";
import { encodeModel, Graph, op, Session, type Value } from "../../lib/graph/mod.ts";

const BIG = Number.MAX_SAFE_INTEGER;
const STARTS = [-BIG, -9, -5, -4, -1, 0, 2, 4, 5, 9, BIG];
const ENDS = [-BIG, -9, -6, -5, -1, 0, 1, 3, 5, 9, BIG];
const STEPS = [-3, -2, -1, 1, 2];

Deno.test("Slice infers the output length onnxruntime produces, negative steps and out-of-range indices included", async () => {
  const g = new Graph();
  const x = g.input("x", "float32", [5]);
  const empty = g.input("empty", "float32", [0]);
  const cases: { name: string; value: Value; args: number[] }[] = [];
  for (const [which, input] of [["x", x], ["empty", empty]] as const) {
    for (const start of STARTS) {
      for (const end of ENDS) {
        for (const step of STEPS) {
          const value = op.slice(input, { starts: [start], ends: [end], axes: [0], steps: [step] });
          const name = `${which}_${cases.length}`;
          g.output(value, name);
          cases.push({ name, value, args: [start, end, step] });
        }
      }
    }
  }
  const s = await Session.create(encodeModel(g), { ep: "cpu", threads: 1 });
  try {
    const out = await s.run({
      x: { dtype: "float32", shape: [5], data: Float32Array.from([0, 1, 2, 3, 4]) },
      empty: { dtype: "float32", shape: [0], data: new Float32Array(0) },
    });
    const wrong = cases.filter((c) => out[c.name].shape[0] !== c.value.shape[0])
      .map((c) => `${c.name} ${c.args}: inferred ${c.value.shape[0]}, ran ${out[c.name].shape[0]}`);
    assert.deepEqual(wrong, []);
    // A spot check of the values: the whole axis reversed, and every other element from the end.
    const reversed = cases.find((c) =>
      c.name.startsWith("x_") && c.args.join() === `${-1},${-BIG},-1`
    )!;
    assert.deepEqual([...out[reversed.name].data as Float32Array], [4, 3, 2, 1, 0]);
    const everyOther = cases.find((c) =>
      c.name.startsWith("x_") && c.args.join() === `${BIG},${-BIG},-2`
    )!;
    assert.deepEqual([...out[everyOther.name].data as Float32Array], [4, 2, 0]);
  } finally {
    await s.release();
  }
});
