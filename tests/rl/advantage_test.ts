import assert from "node:assert/strict";
import {
  advantageNames,
  DEFAULT_ADVANTAGE_OPTIONS,
  getAdvantage,
  registerAdvantage,
} from "../../lib/rl/advantage.ts";
import { placeScores, sequenceScores } from "../../lib/rl/scores.ts";
import type { AdvantageInput, AdvantageOptions } from "../../lib/rl/types.ts";
import { maskedWhiten } from "../../lib/rl/whiten.ts";

const f32 = (xs: number[]) => new Float32Array(xs);

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `index ${i}: ${actual[i]} vs ${expected[i]} (all: ${Array.from(actual)})`,
    );
  }
}

function input(
  width: number,
  mask: number[],
  rewards: number[],
  opts: { values?: number[]; groups?: number[] } = {},
): AdvantageInput {
  const rows = mask.length / width;
  return {
    rows,
    width,
    responseMask: f32(mask),
    tokenRewards: f32(rewards),
    values: opts.values ? f32(opts.values) : null,
    groups: Int32Array.from(opts.groups ?? Array.from({ length: rows }, (_, i) => i)),
  };
}

const opts = (o: Partial<AdvantageOptions> = {}): AdvantageOptions => ({
  ...DEFAULT_ADVANTAGE_OPTIONS,
  ...o,
});

/** Whitening by hand: mean and unbiased variance over the listed values. */
function whitenByHand(xs: number[]): number[] {
  const m = xs.reduce((a, b) => a + b) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return xs.map((x) => (x - m) / Math.sqrt(v + 1e-8));
}

// ---- registry

Deno.test("advantageNames() lists verl's five estimator names after one import", () => {
  assert.deepEqual(advantageNames(), [
    "gae",
    "grpo",
    "rloo",
    "reinforce_plus_plus",
    "reinforce_plus_plus_baseline",
  ]);
  assert.equal(getAdvantage("gae").needsCritic, true);
  assert.equal(getAdvantage("grpo").needsCritic, false);
  assert.equal(getAdvantage("grpo").needsGroups, true);
  assert.equal(getAdvantage("reinforce_plus_plus").needsGroups, false);
});

Deno.test("getAdvantage() of an unknown name throws listing the known names", () => {
  assert.throws(
    () => getAdvantage("ppo"),
    /unknown advantage estimator "ppo"; known: gae, grpo, rloo, reinforce_plus_plus, reinforce_plus_plus_baseline/,
  );
});

Deno.test("registerAdvantage() throws on a name already registered", () => {
  const fn = getAdvantage("rloo").fn;
  assert.throws(
    () => registerAdvantage({ name: "grpo", needsCritic: false, needsGroups: true, fn }),
    /"grpo" is already registered/,
  );
  assert.equal(getAdvantage("grpo").fn === fn, false);
});

// ---- scores

Deno.test("placeScores() puts each score on the row's last response token", () => {
  const layout = { rows: 3, width: 3, responseMask: f32([1, 1, 0, 1, 1, 1, 1, 0, 0]) };
  assert.deepEqual(placeScores([2, -1, 0.5], layout), f32([0, 2, 0, 0, 0, -1, 0.5, 0, 0]));
});

Deno.test("placeScores() throws naming a row with no response token", () => {
  const layout = { rows: 2, width: 2, responseMask: f32([1, 0, 0, 0]) };
  assert.throws(() => placeScores([1, 2], layout), /row 1 has no response token/);
  assert.throws(() => placeScores([1], layout), /expected rows = 2/);
});

Deno.test("sequenceScores() sums each row's token rewards", () => {
  const layout = { rows: 2, width: 3, responseMask: f32([1, 1, 0, 1, 1, 1]) };
  assert.deepEqual(sequenceScores(f32([0.5, -1, 0, 0, 0, 3]), layout), [-0.5, 3]);
});

// ---- whitening

Deno.test("maskedWhiten() gives mean 0 and unbiased variance 1 over masked elements only", () => {
  const x = [3, 1, 100, 2, 6, -50];
  const mask = [1, 1, 0, 1, 1, 0];
  // masked values 3, 1, 2, 6: mean 3, squared deviations 0, 4, 1, 9 -> unbiased var 14/3
  const s = 1 / Math.sqrt(14 / 3 + 1e-8);
  const w = maskedWhiten(x, mask);
  close(w, [0, -2 * s, 0, -1 * s, 3 * s, 0], 1e-12);
  const kept = [w[0], w[1], w[3], w[4]];
  close([kept.reduce((a, b) => a + b) / 4], [0], 1e-12);
  close([kept.reduce((a, b) => a + b * b, 0) / 3], [1], 1e-8);
  close(maskedWhiten(x, mask, { shiftMean: false }), [3, 3 - 2 * s, 0, 3 - s, 3 + 3 * s, 0]);
});

Deno.test("maskedWhiten() throws with fewer than two masked elements", () => {
  assert.throws(() => maskedWhiten([1, 2], [0, 1]), /at least 2 masked elements.*got 1/);
});

// ---- GAE

Deno.test("gae computes the worked example with gamma=0.9 lam=0.8 and skips padding", () => {
  // row 0: r (0,0,1), V (0.5,0.4,0.6); row 1: r (0,2,-), V (1,0.5,pad 9)
  // row 0: d2 = 1-0.6 = 0.4, A2 = 0.4; d1 = 0.9*0.6-0.4 = 0.14, A1 = 0.14+0.72*0.4 = 0.428;
  //        d0 = 0.9*0.4-0.5 = -0.14, A0 = -0.14+0.72*0.428 = 0.16816
  // row 1: d1 = 2-0.5 = 1.5, A1 = 1.5; d0 = 0.9*0.5-1 = -0.55, A0 = -0.55+0.72*1.5 = 0.53
  const x = input(3, [1, 1, 1, 1, 1, 0], [0, 0, 1, 0, 2, 0], {
    values: [0.5, 0.4, 0.6, 1, 0.5, 9],
  });
  const out = getAdvantage("gae").fn(x, opts({ gamma: 0.9, lam: 0.8 }));
  close(out.returns, [0.66816, 0.828, 1.0, 1.53, 2.0, 0]);
  const w = whitenByHand([0.16816, 0.428, 0.4, 0.53, 1.5]);
  close(out.advantages, [w[0], w[1], w[2], w[3], w[4], 0]);
  assert.ok(out.advantages instanceof Float32Array && out.returns instanceof Float32Array);
});

Deno.test("gae with gamma=lam=1 gives R - V_t before whitening and returns R", () => {
  // row 0: r (0,0,2), V (0.5,1,1.5) -> A (1.5,1,0.5), returns 2; row 1: r (0,1), V (0.2,0.3)
  const x = input(3, [1, 1, 1, 1, 1, 0], [0, 0, 2, 0, 1, 0], {
    values: [0.5, 1, 1.5, 0.2, 0.3, 0],
  });
  const out = getAdvantage("gae").fn(x, opts());
  close(out.returns, [2, 2, 2, 1, 1, 0]);
  const w = whitenByHand([1.5, 1, 0.5, 0.8, 0.7]);
  close(out.advantages, [w[0], w[1], w[2], w[3], w[4], 0]);
});

Deno.test("gae passes value and advantage through a masked token inside a row", () => {
  // mask (1,0,1): the masked token's reward 5 and value 7 are skipped;
  // A2 = 1-0.6 = 0.4; A0 = (0.9*0.6-0.5) + 0.72*0.4 = 0.04+0.288 = 0.328
  const x = input(3, [1, 0, 1], [0, 5, 1], { values: [0.5, 7, 0.6] });
  const out = getAdvantage("gae").fn(x, opts({ gamma: 0.9, lam: 0.8 }));
  close(out.returns, [0.828, 0, 1.0]);
  const w = whitenByHand([0.328, 0.4]);
  close(out.advantages, [w[0], 0, w[1]]);
});

Deno.test("gae throws without critic values", () => {
  assert.throws(
    () => getAdvantage("gae").fn(input(2, [1, 1], [0, 1]), opts()),
    /needs critic values/,
  );
});

// ---- GRPO

// row 0: s = 0.5+0.5 = 1 (group 4); row 1: s = 3 (group 4); row 2: s = 0.5, alone in group 8
const grpoBatch = () =>
  input(3, [1, 1, 0, 1, 1, 1, 1, 0, 0], [0.5, 0.5, 0, 0, 0, 3, 0.5, 0, 0], {
    groups: [4, 4, 8],
  });

Deno.test("grpo normalizes by the unbiased group std and treats a group of one as mean 0 std 1", () => {
  const out = getAdvantage("grpo").fn(grpoBatch(), opts());
  // group 4: mean 2, unbiased std sqrt(2); group 8: (0.5-0)/(1+1e-6)
  const a = 1 / (Math.SQRT2 + 1e-6);
  const c = 0.5 / (1 + 1e-6);
  close(out.advantages, [-a, -a, 0, a, a, a, c, 0, 0]);
  assert.equal(out.returns, out.advantages);
});

Deno.test("grpo gives zero advantage to a group whose scores are all equal", () => {
  const x = input(2, [1, 1, 1, 0, 1, 1, 1, 1], [0, 2, 2, 0, 0, 0, 0, 1], { groups: [0, 0, 1, 1] });
  const out = getAdvantage("grpo").fn(x, opts());
  // group 1: scores 0 and 1, mean 0.5, std sqrt(0.5)
  const a = 0.5 / (Math.sqrt(0.5) + 1e-6);
  close(out.advantages, [0, 0, 0, 0, -a, -a, a, a]);
});

Deno.test("grpo with normAdvByStd=false (Dr.GRPO) only subtracts the group mean", () => {
  const out = getAdvantage("grpo").fn(grpoBatch(), opts({ normAdvByStd: false }));
  close(out.advantages, [-1, -1, 0, 1, 1, 1, 0.5, 0, 0]);
});

// ---- RLOO

Deno.test("rloo subtracts the mean of the other samples and gives a group of one 0", () => {
  // group 0: scores 0, 1, 5 -> s - mean(others) = -3, -1.5, 4.5 (= 3/2*(s-2)); row 3 alone
  const x = input(2, [1, 1, 1, 0, 1, 1, 1, 1], [0, 0, 1, 0, 2, 3, 0, 7], { groups: [0, 0, 0, 1] });
  const out = getAdvantage("rloo").fn(x, opts());
  close(out.advantages, [-3, -3, -1.5, 0, 4.5, 4.5, 0, 0]);
  assert.equal(out.returns, out.advantages);
});

// ---- REINFORCE++

Deno.test("reinforce_plus_plus discounts the return-to-go by gamma, then whitens", () => {
  // gamma 0.5; row 0: r (1,0,2) -> G (1.5,1,2); row 1: r (0,4,pad) -> G (2,4,0)
  const x = input(3, [1, 1, 1, 1, 1, 0], [1, 0, 2, 0, 4, 0]);
  const out = getAdvantage("reinforce_plus_plus").fn(x, opts({ gamma: 0.5 }));
  close(out.returns, [1.5, 1, 2, 2, 4, 0]);
  // mean 2.1, squared deviations sum 5.2 -> unbiased var 1.3
  const s = 1 / Math.sqrt(1.3 + 1e-8);
  close(out.advantages, [-0.6 * s, -1.1 * s, -0.1 * s, -0.1 * s, 1.9 * s, 0]);
});

Deno.test("reinforce_plus_plus resets the return at a masked token as verl does", () => {
  // mask (1,0,1), r (1,3,2), gamma 0.5: G2 = 2; the masked token resets, so G0 = 1 (not 1+0.5*4)
  const x = input(3, [1, 0, 1], [1, 3, 2]);
  const out = getAdvantage("reinforce_plus_plus").fn(x, opts({ gamma: 0.5 }));
  close(out.returns, [1, 0, 2]);
  close(out.advantages, [-Math.SQRT1_2, 0, Math.SQRT1_2]);
});

Deno.test("reinforce_plus_plus_baseline subtracts the group mean, broadcasts, then whitens", () => {
  // s = 1, 3 (group 0, mean 2), 0.5 (alone: mean 0) -> -1, 1, 0.5 on 2, 3, 1 tokens
  const x = input(3, [1, 1, 0, 1, 1, 1, 1, 0, 0], [0, 1, 0, 0, 0, 3, 0.5, 0, 0], {
    groups: [0, 0, 1],
  });
  const out = getAdvantage("reinforce_plus_plus_baseline").fn(x, opts());
  // token mean 1.5/6 = 0.25; squared deviations sum 4.875 -> unbiased var 0.975
  const s = 1 / Math.sqrt(0.975 + 1e-8);
  const lo = -1.25 * s;
  const hi = 0.75 * s;
  close(out.advantages, [lo, lo, 0, hi, hi, hi, 0.25 * s, 0, 0]);
  assert.equal(out.returns, out.advantages);
});

Deno.test("estimators reject arrays that do not match rows*width", () => {
  const x = input(2, [1, 1, 1, 1], [0, 1, 0, 1]);
  x.tokenRewards = f32([0, 1, 0]);
  assert.throws(() => getAdvantage("grpo").fn(x, opts()), /tokenRewards has 3 elements/);
  const y = input(2, [1, 1, 1, 1], [0, 1, 0, 1], { groups: [0] });
  assert.throws(() => getAdvantage("rloo").fn(y, opts()), /groups has 1 elements/);
});
