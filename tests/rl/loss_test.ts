import assert from "node:assert/strict";
import {
  aggregateLoss,
  type Aggregation,
  aggregationScales,
  LOSS_AGG_MODES,
  type LossAggMode,
} from "../../lib/rl/aggregate.ts";
import type { KlLossType } from "../../lib/rl/kl_types.ts";
import { klTokenLosses } from "../../lib/rl/loss_kl.ts";
import { policyLoss, ppoTokenLosses } from "../../lib/rl/loss_policy.ts";
import { valueLoss, valueTokenLosses } from "../../lib/rl/loss_value.ts";
import type { Value } from "../../lib/graph/mod.ts";
import { assertClose, runPiece } from "./_loss_graph.ts";

const agg = (mode: LossAggMode, x: Record<string, Value>): Aggregation => ({
  mode,
  lossScale: x.loss_scale,
  tokenScale: x.token_scale,
});

// Policy cases with clip 0.2/0.2 and clip_ratio_c 3: (advantage, ratio), row 1's last two
// tokens are padding with extreme values. Log-ratio 30 is clamped to 20.
const LN = Math.log;
const ADV = [[1, 1, 1, -1, -1, -1, -1, -2], [2, -1, 100, -100, 0, 0, 0, 0]];
const LOG_RATIO = [
  [LN(0.5), LN(1.1), LN(1.5), LN(0.5), LN(1.1), LN(1.5), LN(4), LN(2)],
  [LN(4), 30, LN(5), LN(0.1), 0, 0, 0, 0],
];
const MASK = [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0, 0, 0]];
const OLD = [[-1, -2, -0.5, -3, -1, -1, -2, -0.25], [-1, -40, -2, -1, -1, -1, -1, -1]];
const NEW = LOG_RATIO.map((r, b) => r.map((x, t) => OLD[b][t] + x));

Deno.test("ppoTokenLosses() clips below 1-eps, inside and above 1+eps for both signs of the advantage, with dual-clip", async () => {
  const out = await runPiece({ logp: NEW, old: OLD, adv: ADV }, (x) => {
    const t = ppoTokenLosses(x.logp, { oldLogprobs: x.old, advantages: x.adv });
    return { losses: t.losses, clipped: t.clipped, lower: t.clippedLower, kl: t.approxKl };
  });
  // A=+1: r=0.5 -> -0.5 (max(-0.5,-0.8)); r=1.1 -> -1.1; r=1.5 -> -1.2 (clipped).
  // A=-1: r=0.5 -> 0.8 (clipped); r=1.1 -> 1.1; r=1.5 -> 1.5; r=4 -> min(4, 3) = 3 (dual).
  // A=-2, r=2: 4 < -A*c = 6, dual inactive. A=+2, r=4: -2.4 (no dual-clip for A > 0).
  // A=-1 at log-ratio 30 -> r = e^20, dual-clipped to 3.
  assertClose(out.losses.slice(0, 10), [-0.5, -1.1, -1.2, 0.8, 1.1, 1.5, 3, 4, -2.4, 3], 1e-9);
  assert.deepEqual(out.clipped.slice(0, 10), [0, 0, 1, 1, 0, 0, 0, 0, 1, 0]);
  assert.deepEqual(out.lower.slice(0, 10), [0, 0, 0, 0, 0, 0, 1, 0, 0, 1]);
  assertClose([out.kl[9]], [-20], 1e-12, "clamped log-ratio");
});

Deno.test("policyLoss() token-mean sums masked tokens over loss_scale and reports token-mean metrics", async () => {
  const out = await runPiece(
    { logp: NEW, old: OLD, adv: ADV, mask: MASK, loss_scale: 10, token_scale: 10 },
    (x) => {
      const r = policyLoss(x.logp, {
        oldLogprobs: x.old,
        advantages: x.adv,
        responseMask: x.mask,
        agg: agg("token-mean", x),
      });
      return { loss: r.loss, ...r.metrics };
    },
  );
  // The 10 real tokens' losses sum to 8.2; padding (A=100, A=-100) is ignored.
  assertClose(out.loss, [0.82], 1e-9, "pg_loss");
  assertClose(out.pg_clipfrac, [0.3], 1e-12, "pg_clipfrac");
  assertClose(out.pg_clipfrac_lower, [0.2], 1e-12, "pg_clipfrac_lower");
  const kl = -(2 * LN(0.5) + 2 * LN(1.1) + 2 * LN(1.5) + 2 * LN(4) + LN(2) + 20) / 10;
  assertClose(out.ppo_kl, [kl], 1e-12, "ppo_kl");
});

Deno.test("policyLoss() with a custom clip range and clip_ratio_c moves the clip points", async () => {
  const out = await runPiece(
    { logp: [[LN(1.25), LN(2.5)]], old: [[0, 0]], adv: [[1, -1]] },
    (x) => {
      const t = ppoTokenLosses(x.logp, { oldLogprobs: x.old, advantages: x.adv }, {
        clipRatioLow: 0.1,
        clipRatioHigh: 0.28,
        clipRatioC: 2,
      });
      return { losses: t.losses };
    },
  );
  // r=1.25 < 1.28 is inside for A=+1; r=2.5 with A=-1 is dual-clipped to 2.
  assertClose(out.losses, [-1.25, 2], 1e-12);
  await assert.rejects(
    () =>
      runPiece({ a: [[0]] }, (x) => ({
        l: ppoTokenLosses(x.a, { oldLogprobs: x.a, advantages: x.a }, { clipRatioC: 1 }).losses,
      })),
    /clip_ratio_c must be > 1/,
  );
});

Deno.test("valueLoss() takes the larger of the clipped and unclipped squared errors, halved", async () => {
  const out = await runPiece(
    {
      v: [[1, 2, 2, -1, -1, 10]],
      old: [[0.8, 1, 1, 0, 0, 0]],
      ret: [[2, 0, 3, 0, -2, -10]],
      mask: [[1, 1, 1, 1, 1, 0]],
      loss_scale: 5,
      token_scale: 5,
    },
    (x) => {
      const t = valueTokenLosses(x.v, { oldValues: x.old, returns: x.ret });
      const r = valueLoss(x.v, {
        oldValues: x.old,
        returns: x.ret,
        responseMask: x.mask,
        agg: agg("token-mean", x),
      });
      return { losses: t.losses, clipped: t.clipped, loss: r.loss, ...r.metrics };
    },
  );
  // vclip = clip(v, old-0.5, old+0.5): 1.0, 1.5, 1.5, -0.5, -0.5.
  // (v-R)^2 vs (vclip-R)^2: 1|1, 4|2.25, 1|2.25 (clipped), 1|0.25, 1|2.25 (clipped).
  assertClose(out.losses.slice(0, 5), [1, 4, 2.25, 1, 2.25], 1e-12);
  assert.deepEqual(out.clipped.slice(0, 5), [0, 0, 1, 0, 1]);
  assertClose(out.loss, [0.5 * 10.5 / 5], 1e-12, "vf_loss");
  assertClose(out.vf_clipfrac, [0.4], 1e-12, "vf_clipfrac");
  assertClose(out.vpred_mean, [0.6], 1e-12, "vpred_mean");
});

Deno.test("klTokenLosses() gives k1, abs, k2 and k3 with verl's clamps", async () => {
  // d = logp - ref: 0.5, -1, then ref - logp = 30 and -30 (k3 clamped to 10), 0.
  const logp = [[-1, -2, -30, 0, -0.7]], ref = [[-1.5, -1, 0, -30, -0.7]];
  const k3 = (d: number) => Math.exp(-d) + d - 1;
  const want: Record<string, number[]> = {
    kl: [0.5, -1, -30, 30, 0],
    k1: [0.5, -1, -30, 30, 0],
    abs: [0.5, 1, 30, 30, 0],
    mse: [0.125, 0.5, 450, 450, 0],
    k2: [0.125, 0.5, 450, 450, 0],
    low_var_kl: [k3(0.5), k3(-1), 10, 10, 0],
    k3: [k3(0.5), k3(-1), 10, 10, 0],
    "k3+": [k3(0.5), k3(-1), 10, 10, 0],
    "k1+": [0.5, -1, -30, 30, 0],
  };
  for (const [type, values] of Object.entries(want)) {
    const out = await runPiece({ logp, ref }, (x) => ({
      kl: klTokenLosses(x.logp, x.ref, type as KlLossType),
    }));
    assertClose(out.kl, values, 1e-12, type);
  }
  await assert.rejects(
    () => runPiece({ a: [[0]] }, (x) => ({ kl: klTokenLosses(x.a, x.a, "k4" as KlLossType) })),
    /unknown kl type "k4"/,
  );
});

// Two rows with padding: row 0 has 3 response tokens, row 1 has 1; padded slots hold 100.
const LOSSES = [[1, 2, 3, 100], [4, 100, 100, 100]];
const AGG_MASK = [[1, 1, 1, 0], [1, 0, 0, 0]];

Deno.test("aggregationScales() and aggregateLoss() give verl's four modes on a padded 2-row batch", async () => {
  const want: Record<LossAggMode, { lossScale: number; loss: number }> = {
    "token-mean": { lossScale: 4, loss: (1 + 2 + 3 + 4) / 4 },
    "seq-mean-token-sum": { lossScale: 2, loss: (6 + 4) / 2 },
    "seq-mean-token-mean": { lossScale: 2, loss: (6 / 3 + 4 / 1) / 2 },
    "seq-mean-token-sum-norm": { lossScale: 4, loss: (6 + 4) / 4 },
  };
  for (const mode of LOSS_AGG_MODES) {
    const scales = aggregationScales(mode, [3, 1], { maxResponseLength: 4 });
    assert.deepEqual(scales, { lossScale: want[mode].lossScale, tokenScale: 4 }, mode);
    const out = await runPiece(
      { l: LOSSES, m: AGG_MASK, loss_scale: scales.lossScale, token_scale: scales.tokenScale },
      (x) => ({ loss: aggregateLoss(x.l, x.m, agg(mode, x)) }),
    );
    assertClose(out.loss, [want[mode].loss], 1e-12, mode);
  }
});

Deno.test("aggregationScales() skips empty rows in seq-mean modes and prefers lossScaleFactor for the norm mode", () => {
  assert.deepEqual(aggregationScales("seq-mean-token-sum", [3, 0, 1]), {
    lossScale: 2,
    tokenScale: 4,
  });
  assert.deepEqual(
    aggregationScales("seq-mean-token-sum-norm", [3, 1], {
      lossScaleFactor: 8,
      maxResponseLength: 4,
    }),
    { lossScale: 8, tokenScale: 4 },
  );
  assert.deepEqual(aggregationScales("token-mean", [0, 0]), { lossScale: 1, tokenScale: 1 });
  assert.throws(() => aggregationScales("seq-mean-token-sum-norm", [3]), /lossScaleFactor/);
  assert.throws(
    () => aggregationScales("sum" as LossAggMode, [3]),
    /supported modes are: token-mean, seq-mean-token-sum/,
  );
  assert.throws(() => aggregationScales("token-mean", [-1]), />= 0/);
});
