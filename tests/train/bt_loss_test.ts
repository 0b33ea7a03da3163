import assert from "node:assert/strict";

const assertAlmostEquals = (a: number, b: number, tol: number) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tolerance ${tol})`);
import { encodeModel, Graph, Session } from "../../lib/graph/mod.ts";
import { bradleyTerryLoss, negLogSigmoid } from "../../lib/train/bt_loss.ts";
import { gradCheck } from "../graph/_gradcheck.ts";

Deno.test("negLogSigmoid() matches log(1 + exp(-d)) in float64 and its gradient matches finite differences, d = 0 included", async () => {
  const values = [-30, -2.5, -0.3, 0, 0, 0.7, 4, 40];
  const r = await gradCheck([{ name: "d", shape: [8], values }], ([d]) => negLogSigmoid(d));
  assert(r.maxRelError < 1e-6, `relative error ${r.maxRelError}`);
  const y = r.outputs.y0.data as Float64Array;
  values.forEach((d, i) => assertAlmostEquals(y[i], Math.log1p(Math.exp(-d)), 1e-12));
});

Deno.test("bradleyTerryLoss() gradients w.r.t. both scores match finite differences in float64", async () => {
  const r = await gradCheck(
    [
      { name: "c", shape: [5] },
      { name: "r", shape: [5] },
      { name: "m", shape: [5], values: [1, 1, 0, 1, 1], dtype: "float64" },
    ],
    ([c, rj, m]) => {
      const out = bradleyTerryLoss(c, rj, m);
      return [out.loss];
    },
  );
  assert(r.perInput.c < 1e-6 && r.perInput.r < 1e-6, JSON.stringify(r.perInput));
});

Deno.test("bradleyTerryLoss() averages over real pairs only and reports accuracy and margin", async () => {
  const g = new Graph("bt");
  const c = g.input("c", "float32", [4]), r = g.input("r", "float32", [4]);
  const m = g.input("m", "float32", [4]);
  const out = bradleyTerryLoss(c, r, m);
  g.output(out.loss, "loss");
  g.output(out.metrics.accuracy, "acc");
  g.output(out.metrics.margin, "margin");
  const s = await Session.create(encodeModel(g), { threads: 1 });
  const f = (xs: number[]) => ({
    dtype: "float32" as const,
    shape: [4],
    data: Float32Array.from(xs),
  });
  // Margins 1, -2, 0 (counted) and 100 (masked out).
  const res = await s.run({ c: f([1, 0, 0.5, 100]), r: f([0, 2, 0.5, 0]), m: f([1, 1, 1, 0]) });
  await s.release();
  const want = (Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(2)) + Math.log(2)) / 3;
  assertAlmostEquals(Number(res.loss.data[0]), want, 1e-6);
  assertAlmostEquals(Number(res.acc.data[0]), 1 / 3, 1e-6);
  assertAlmostEquals(Number(res.margin.data[0]), -1 / 3, 1e-6);
});
