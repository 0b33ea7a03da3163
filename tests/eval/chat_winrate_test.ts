import assert from "node:assert/strict";
import {
  bootstrapCI,
  chatWinRate,
  fitLogistic,
  lengthControlledWinRate,
  lengthDifferences,
  lengthStats,
  outcomes,
  percentile,
  sigmoid,
  textLengths,
} from "../../lib/eval/chat/mod.ts";

const close = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

Deno.test("outcomes() gives sigmoid(r_ours - r_ref) per question, or hard wins with ties as 0.5", () => {
  const soft = outcomes([1, 2, Math.log(3), 0], [1, 2 + Math.log(3), 0, 40]);
  close(soft[0], 0.5);
  close(soft[1], 0.25);
  close(soft[2], 0.75);
  close(soft[3], sigmoid(-40));
  assert.ok(soft[3] > 0);
  assert.deepEqual(outcomes([3, 1, 2], [1, 3, 2], "hard"), [1, 0, 0.5]);
});

Deno.test("outcomes() rejects unpaired or non-finite scores", () => {
  assert.throws(() => outcomes([1, 2], [1]), /2 scores for our responses but 1 for the reference/);
  assert.throws(() => outcomes([1, NaN], [1, 2]), /question 1 has a non-finite score/);
  assert.throws(() => outcomes([], []), /no questions/);
});

Deno.test("percentile() interpolates linearly like numpy", () => {
  const xs = [3, 1, 4, 1, 5, 9, 2, 6];
  // numpy.percentile(xs, [2.5, 50, 90, 97.5]) = [1, 3.5, 6.9, 8.475]
  close(percentile(xs, 2.5), 1);
  close(percentile(xs, 50), 3.5);
  close(percentile(xs, 90), 6.9);
  close(percentile(xs, 97.5), 8.475);
  assert.deepEqual(xs, [3, 1, 4, 1, 5, 9, 2, 6], "input not modified");
});

Deno.test("bootstrapCI() is reproducible by seed and resamples questions with replacement", () => {
  const xs = [0, 1];
  const stat = (idx: number[]) => idx.reduce((s, i) => s + xs[i], 0) / idx.length;
  const a = bootstrapCI(2, stat, { rounds: 4000, seed: 7 });
  const b = bootstrapCI(2, stat, { rounds: 4000, seed: 7 });
  const c = bootstrapCI(2, stat, { rounds: 4000, seed: 8 });
  assert.deepEqual(a.replicates, b.replicates);
  assert.notDeepEqual(a.replicates, c.replicates);
  // Means of two draws from {0, 1}: 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4.
  const freq = (v: number) => a.replicates.filter((r) => r === v).length / a.replicates.length;
  assert.equal(freq(0) + freq(0.5) + freq(1), 1);
  close(freq(0.5), 0.5, 0.03);
  close(freq(0), 0.25, 0.03);
  assert.deepEqual([a.lower, a.upper], [0, 1]);
  const d = bootstrapCI(3, () => 0.7);
  assert.equal(d.replicates.length, 100);
  assert.deepEqual([d.lower, d.upper], [0.7, 0.7]);
});

Deno.test("fitLogistic() recovers the parameters from exact soft outcomes at two points", () => {
  const fit = fitLogistic([-0.5, 0.5], [sigmoid(-0.4 - 1.5), sigmoid(-0.4 + 1.5)], { l2: 0 });
  close(fit.intercept, -0.4);
  close(fit.slope, 3);
});

Deno.test("fitLogistic() matches a reference maximum-likelihood fit", () => {
  // scipy.optimize.minimize of the binary cross-entropy on these rows gives a=0.11383906, b=2.43863179.
  const x = [-0.6, -0.35, -0.2, -0.05, 0.0, 0.1, 0.15, 0.3, 0.45, 0.7];
  const y = [0.2, 0.3, 0.6, 0.35, 0.5, 0.55, 0.7, 0.6, 0.8, 0.9];
  const fit = fitLogistic(x, y, { l2: 0 });
  close(fit.intercept, 0.11383906, 1e-7);
  close(fit.slope, 2.43863179, 1e-7);
});

Deno.test("fitLogistic() stays finite on separable hard outcomes and fits the intercept alone when x is constant", () => {
  const sep = fitLogistic([-0.5, -0.2, 0.1, 0.4], [0, 0, 1, 1]);
  assert.ok(Number.isFinite(sep.intercept) && Number.isFinite(sep.slope) && sep.slope > 10);
  const flat = fitLogistic([0, 0, 0, 0], [1, 1, 1, 0]);
  close(sigmoid(flat.intercept), 0.75);
  assert.equal(flat.slope, 0);
});

Deno.test("lengthControlledWinRate() is the fitted win rate at zero normalised length difference", () => {
  assert.deepEqual(lengthDifferences([300, 100, 0], [100, 300, 0]), [0.5, -0.5, 0]);
  // Longer answers win, shorter ones lose, symmetrically: no advantage at equal length.
  const sym = lengthControlledWinRate([0.8, 0.2, 0.9, 0.1], [300, 100, 400, 100], [
    100,
    300,
    100,
    400,
  ]);
  close(sym.winRate, 0.5, 1e-9);
  assert.ok(sym.fit.slope > 0);
  // Exact soft outcomes at x = +-0.5 with a = 0.4, b = 1: the LC rate is sigmoid(0.4).
  const lc = lengthControlledWinRate([sigmoid(0.4 + 0.5), sigmoid(0.4 - 0.5)], [300, 100], [
    100,
    300,
  ], { l2: 0 });
  close(lc.winRate, sigmoid(0.4));
});

Deno.test("lengthStats() and textLengths() summarise lengths in characters or tokens", () => {
  const s = lengthStats([10, 20, 30, 40, 100]);
  assert.deepEqual([s.n, s.mean, s.median, s.min, s.max], [5, 40, 30, 10, 100]);
  close(s.p90, 76);
  assert.deepEqual(textLengths(["héllo", "🙂🙂"]), [5, 2]);
  assert.deepEqual(textLengths(["a b c", "d"], (t) => t.split(" ").length), [3, 1]);
  assert.throws(() => lengthStats([]), /no responses/);
});

Deno.test("chatWinRate() reports soft, hard and length-controlled win rates with CIs and the reward model", () => {
  const n = 40;
  const ours = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? -1 : 1) * 0.5 + 0.01 * i);
  const ref = Array.from({ length: n }, () => 0);
  const oursLen = Array.from({ length: n }, (_, i) => 200 + 5 * i);
  const refLen = Array.from({ length: n }, () => 300);
  const r = chatWinRate({
    rewardModel: "Skywork/Skywork-Reward-V2-Qwen3-0.6B",
    oursScores: ours,
    refScores: ref,
    oursLengths: oursLen,
    refLengths: refLen,
    lengthUnit: "tokens",
  });
  assert.equal(r.rewardModel, "Skywork/Skywork-Reward-V2-Qwen3-0.6B");
  assert.equal(r.n, n);
  const soft = ours.map((o) => sigmoid(o));
  close(r.winRate.value, soft.reduce((a, b) => a + b, 0) / n, 1e-12);
  const hardWins = ours.filter((o) => o > 0).length;
  close(r.hardWinRate.value, hardWins / n, 1e-12);
  for (const e of [r.winRate, r.hardWinRate, r.lengthControlled]) {
    assert.ok(e.lower <= e.value && e.value <= e.upper, JSON.stringify(e));
  }
  assert.ok(r.lengthControlled.value > 0 && r.lengthControlled.value < 1);
  assert.equal(r.lengths.unit, "tokens");
  close(r.lengths.ours.mean, 200 + 5 * 19.5);
  assert.equal(r.lengths.reference.median, 300);
  assert.deepEqual(r.bootstrap, { rounds: 100, seed: 0 });
  assert.throws(
    () =>
      chatWinRate({
        rewardModel: "rm",
        oursScores: [1],
        refScores: [1, 2],
        oursLengths: [1],
        refLengths: [1],
        lengthUnit: "chars",
      }),
    /refScores has 2 entries, oursScores 1/,
  );
});
