import assert from "node:assert/strict";
import { encodeModel, grad, Graph, op, Session, type Value } from "../../lib/graph/mod.ts";
import { aggregateLoss, type Aggregation, LOSS_AGG_MODES } from "../../lib/rl/aggregate.ts";
import type { KlLossType } from "../../lib/rl/kl_types.ts";
import { klTokenLosses } from "../../lib/rl/loss_kl.ts";
import { policyLoss } from "../../lib/rl/loss_policy.ts";
import { valueLoss } from "../../lib/rl/loss_value.ts";
import { gradCheck } from "../graph/_gradcheck.ts";

/** The check is only meaningful when the gradient is not zero everywhere. */
function assertNonZero(data: Iterable<number | bigint>, what: string): void {
  assert.ok([...data].some((x) => Math.abs(Number(x)) > 1e-3), `${what} is zero everywhere`);
}

// 2 rows x 4 tokens; row 1's last token is padding.
const MASK = [1, 1, 1, 1, 1, 1, 1, 0];
const constAgg = (like: Value, mode: Aggregation["mode"]): Aggregation => ({
  mode,
  lossScale: op.constant(like, "float64", [], [3.5]),
  tokenScale: op.constant(like, "float64", [], [7]),
});
const mask = (like: Value) => op.constant(like, "float64", [2, 4], MASK);

// log-ratios spread over every region of the clip (0.8 / 1.2 and the dual-clip bound 3),
// away from the kinks: r = e^x for x below.
const LOG_RATIO = [-1, -0.1, 0.05, 0.5, 1.5, -0.7, 0.3, 1.3];
const OLD = [-1.2, -0.4, -2, -0.9, -1.5, -0.3, -0.8, -1.1];
const NEW = OLD.map((o, i) => o + LOG_RATIO[i]);
const ADV = [1, -1, 0.5, -0.5, -1, 0.7, 1.2, 0.9];

for (const mode of LOSS_AGG_MODES) {
  Deno.test(`policyLoss() gradients w.r.t. new and old logprobs and advantages match finite differences (${mode})`, async () => {
    const r = await gradCheck(
      [
        { name: "logp", shape: [2, 4], values: NEW },
        { name: "old", shape: [2, 4], values: OLD },
        { name: "adv", shape: [2, 4], values: ADV },
      ],
      ([logp, old, adv]) =>
        policyLoss(logp, {
          oldLogprobs: old,
          advantages: adv,
          responseMask: mask(logp),
          agg: constAgg(logp, mode),
        }).loss,
    );
    assert.ok(r.maxRelError < 1e-6, JSON.stringify(r.perInput));
    assertNonZero(r.outputs.grad_logp.data, "d logp");
    assertNonZero(r.outputs.grad_adv.data, "d adv");
  });
}

Deno.test("valueLoss() gradients w.r.t. values, old values and returns match finite differences", async () => {
  // |v - v_old| below and above the 0.5 clip range, clipped and unclipped terms winning.
  const v = [1, 2, 2, -1, -1, 0.3, 0.1, 5];
  const old = [0.8, 1, 1, 0, 0, 0.5, -0.2, 0];
  const ret = [2, 0, 3, 0.3, -2, 1, -1, -5];
  for (const mode of LOSS_AGG_MODES) {
    const r = await gradCheck(
      [
        { name: "v", shape: [2, 4], values: v },
        { name: "old", shape: [2, 4], values: old },
        { name: "ret", shape: [2, 4], values: ret },
      ],
      ([vp, o, rt]) =>
        valueLoss(vp, {
          oldValues: o,
          returns: rt,
          responseMask: mask(vp),
          agg: constAgg(vp, mode),
        }).loss,
    );
    assert.ok(r.maxRelError < 1e-6, `${mode}: ${JSON.stringify(r.perInput)}`);
    assertNonZero(r.outputs.grad_v.data, "d v");
  }
});

Deno.test("klTokenLosses() gradients of k1, abs, k2 and k3 w.r.t. both logprobs match finite differences", async () => {
  for (const type of ["k1", "abs", "k2", "k3"] as KlLossType[]) {
    const r = await gradCheck(
      [
        { name: "logp", shape: [2, 4], values: NEW },
        { name: "ref", shape: [2, 4], values: OLD },
      ],
      ([logp, ref]) =>
        aggregateLoss(klTokenLosses(logp, ref, type), mask(logp), constAgg(logp, "token-mean")),
    );
    assert.ok(r.maxRelError < 1e-6, `${type}: ${JSON.stringify(r.perInput)}`);
  }
});

Deno.test("klTokenLosses() 'k3+' has k3's value and k2's gradient logp - ref (straight-through)", async () => {
  const g = new Graph("k3plus");
  const logp = g.input("logp", "float64", [8]), ref = g.input("ref", "float64", [8]);
  const kl = klTokenLosses(logp, ref, "k3+");
  const [dLogp, dRef] = grad(op.reduceSum(kl, [0]), [logp, ref]);
  g.output(kl, "kl");
  g.output(dLogp, "d_logp");
  g.output(dRef, "d_ref");
  const s = await Session.create(encodeModel(g), { ep: "cpu", threads: 1, optimization: "basic" });
  const out = await s.run({
    logp: { dtype: "float64", shape: [8], data: Float64Array.from(NEW) },
    ref: { dtype: "float64", shape: [8], data: Float64Array.from(OLD) },
  });
  await s.release();
  LOG_RATIO.forEach((d, i) => {
    const k3 = Math.exp(-d) + d - 1;
    assert.ok(Math.abs(Number(out.kl.data[i]) - k3) < 1e-12, `value ${i}`);
    assert.ok(Math.abs(Number(out.d_logp.data[i]) - d) < 1e-12, `d logp ${i}`);
    assert.ok(Math.abs(Number(out.d_ref.data[i]) + d) < 1e-12, `d ref ${i}`);
  });
});
