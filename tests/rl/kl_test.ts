import assert from "node:assert/strict";
import {
  AdaptiveKlController,
  applyKlInReward,
  FixedKlController,
  klController,
  klPenalty,
} from "../../lib/rl/kl.ts";
import type { KlType } from "../../lib/rl/kl_types.ts";

const f32 = (xs: number[]) => new Float32Array(xs);

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `index ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

// token 0: logp -1, ref -1.5 (logp - ref = 0.5); token 1: logp -2, ref -1 (-1); token 2: masked
const logp = f32([-1, -2, -3]);
const ref = f32([-1.5, -1, -0.2]);
const mask = f32([1, 1, 0]);

Deno.test("klPenalty() computes k1, abs and k2 per token and 0 at padding", () => {
  const cases: [KlType, number[]][] = [
    ["kl", [0.5, -1, 0]],
    ["k1", [0.5, -1, 0]],
    ["abs", [0.5, 1, 0]],
    ["mse", [0.125, 0.5, 0]],
    ["k2", [0.125, 0.5, 0]],
  ];
  for (const [type, expected] of cases) close(klPenalty(logp, ref, mask, type), expected);
});

Deno.test("klPenalty() low_var_kl is exp(d) - d - 1 with d = ref - logp", () => {
  // d = -0.5: e^-0.5 + 0.5 - 1 = 0.1065306597; d = 1: e - 2 = 0.7182818285
  const expected = [Math.exp(-0.5) - 0.5, Math.E - 2, 0];
  close(klPenalty(logp, ref, mask, "low_var_kl"), expected);
  close(klPenalty(logp, ref, mask, "k3"), expected);
});

Deno.test("klPenalty() k3 clamps d to [-20, 20] and the result to [-10, 10]", () => {
  // d = 29 and d = -29 would give e^29 - 30 and 28: both end at the clamp 10;
  // d = +inf (logp = -inf) would give NaN without the clamp on d; d = 2.5: e^2.5 - 3.5 = 8.68
  const kl = klPenalty(
    f32([-30, -1, -Infinity, -3]),
    f32([-1, -30, -1, -0.5]),
    f32([1, 1, 1, 1]),
    "k3",
  );
  close(kl, [10, 10, 10, Math.exp(2.5) - 3.5], 1e-5);
});

Deno.test("klPenalty() throws on an unknown type and on mismatched lengths", () => {
  assert.throws(
    () => klPenalty(logp, ref, mask, "k4" as KlType),
    /unknown KL type "k4"; known: kl, k1/,
  );
  assert.throws(() => klPenalty(logp, f32([0]), mask, "k1"), /length mismatch/);
});

Deno.test("applyKlInReward() subtracts beta*kl per token and reports the mean of row means", () => {
  // 3 rows x 2: row 0 kl (0.5, -1), row 1 kl (0.5, pad), row 2 has no response token
  const layout = { rows: 3, width: 2, responseMask: f32([1, 1, 1, 0, 0, 0]) };
  const scores = f32([0, 1, 2, 0, 0, 0]);
  const out = applyKlInReward(
    scores,
    f32([-1, -2, -1, -5, -1, -1]),
    f32([-1.5, -1, -1.5, -1, -2, -2]),
    layout,
    0.1,
    "k1",
  );
  close(out.rewards, [-0.05, 1.1, 1.95, 0, 0, 0]);
  // row means -0.25, 0.5, 0 (empty row) -> 0.25/3 (a token mean would be 0)
  close([out.klMean], [0.25 / 3], 1e-12);
});

Deno.test("FixedKlController keeps its value through updates and restores it", () => {
  const c = new FixedKlController(0.001);
  c.update(5, 100);
  assert.equal(c.value, 0.001);
  assert.deepEqual(c.toJSON(), { type: "fixed", value: 0.001 });
  c.restore({ type: "fixed", value: 0.02 });
  assert.equal(c.value, 0.02);
  assert.throws(() => c.restore({ type: "adaptive", value: 1 }), /cannot restore a fixed/);
});

Deno.test("AdaptiveKlController follows verl's update rule with the error clipped to 0.2", () => {
  const c = new AdaptiveKlController({ klCoef: 0.1, targetKl: 0.5, horizon: 100 });
  c.update(1.0, 10); // error 1 -> clipped 0.2: x (1 + 0.2*10/100) = 1.02
  close([c.value], [0.102], 1e-15);
  c.update(0.45, 10); // error -0.1: x 0.99
  close([c.value], [0.10098], 1e-15);
  c.update(0, 50); // error -1 -> clipped -0.2: x 0.9
  close([c.value], [0.090882], 1e-15);
  const state = c.toJSON();
  assert.deepEqual(state, { type: "adaptive", value: c.value, target_kl: 0.5, horizon: 100 });
  const resumed = klController({ type: "adaptive", kl_coef: 0.1, target_kl: 0.5, horizon: 100 });
  resumed.restore(JSON.parse(JSON.stringify(state)));
  resumed.update(0.5, 10); // on target: unchanged
  assert.equal(resumed.value, c.value);
  resumed.update(0.6, 100); // error 0.2: x 1.2
  close([resumed.value], [0.090882 * 1.2], 1e-15);
});

Deno.test("klController() builds verl's controllers and rejects bad configs", () => {
  const fixed = klController({ type: "fixed" });
  assert.ok(fixed instanceof FixedKlController);
  assert.equal(fixed.value, 0.001);
  const adaptive = klController({ type: "adaptive" }) as AdaptiveKlController;
  assert.deepEqual([adaptive.value, adaptive.targetKl, adaptive.horizon], [0.001, 0.1, 10000]);
  assert.throws(() => klController({ type: "adaptive", horizon: 0 }), /horizon must be > 0/);
  assert.throws(() => klController({ type: "adaptive", target_kl: 0 }), /target_kl must be > 0/);
  assert.throws(
    () => klController({ type: "pid" as "fixed" }),
    /unknown kl_ctrl.type "pid"; known: fixed, adaptive/,
  );
});
