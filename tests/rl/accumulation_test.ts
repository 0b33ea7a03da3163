import assert from "node:assert/strict";
import {
  buildTrainArtifacts,
  type HostTensor,
  type StepResult,
  type TrainArtifacts,
  TrainRunner,
} from "../../lib/graph/mod.ts";
import { actorTrainSpec } from "../../lib/rl/actor_spec.ts";
import { aggregationScales, LOSS_AGG_MODES, type LossAggMode } from "../../lib/rl/aggregate.ts";
import { criticTrainSpec } from "../../lib/rl/critic_spec.ts";
import {
  criticModel,
  f32,
  noise,
  perToken,
  POLICY,
  policyParams,
  type Row,
  ROWS,
  scalar,
  sequenceBatch,
} from "./_tiny_ppo.ts";

// Micro-batches of 4, 3 and 8 response tokens (padded to 7, 6 and 7 positions).
const SPLIT_A = [[ROWS[0]], [ROWS[1], ROWS[2]], [ROWS[3], ROWS[4]]];
// Another split of the same rows: 12 and 3 tokens.
const SPLIT_B = [[ROWS[0], ROWS[1], ROWS[2], ROWS[3]], [ROWS[4]]];
const LR = 1e-3;
const NORM_OPTS = { maxResponseLength: 5 };

type Scales = { lossScale: number; tokenScale: number };

function actorBatch(rows: Row[], s: Scales): Record<string, HostTensor> {
  const { feeds, seq } = sequenceBatch(rows);
  const B = rows.length;
  const mask = perToken(rows, seq, () => 1);
  // Old log-probs near the tiny model's (about -ln 50), so ratios fall inside and outside
  // the clip range; advantages of both signs.
  const old = perToken(rows, seq, (r, k) => -3.9 + 0.4 * noise(1)(r, k));
  return {
    ...feeds,
    old_logprobs: f32(old, B, seq),
    advantages: f32(perToken(rows, seq, noise(2)), B, seq),
    response_mask: f32(mask, B, seq),
    ref_logprobs: f32(perToken(rows, seq, (r, k) => -3.9 + 0.3 * noise(3)(r, k)), B, seq),
    loss_scale: scalar(s.lossScale),
    token_scale: scalar(s.tokenScale),
  };
}

function criticBatch(rows: Row[], s: Scales): Record<string, HostTensor> {
  const { feeds, seq } = sequenceBatch(rows);
  const B = rows.length;
  const { targets: _, ...inputs } = feeds;
  return {
    ...inputs,
    old_values: f32(perToken(rows, seq, (r, k) => 0.6 * noise(4)(r, k)), B, seq),
    returns: f32(perToken(rows, seq, (r, k) => 1.5 * noise(5)(r, k)), B, seq),
    response_mask: f32(perToken(rows, seq, () => 1), B, seq),
    loss_scale: scalar(s.lossScale),
    token_scale: scalar(s.tokenScale),
  };
}

const counts = (rows: Row[]) => rows.map((r) => r.response.length);

/** One full-batch step vs accumulate over `split` with the mini-batch's scales, weights 1. */
async function compare(
  artifacts: TrainArtifacts,
  params: Map<string, Float32Array>,
  mode: LossAggMode,
  split: Row[][],
  batchOf: (rows: Row[], s: Scales) => Record<string, HostTensor>,
): Promise<{ full: StepResult; acc: StepResult; worstParam: number }> {
  const scales = aggregationScales(mode, counts(ROWS), NORM_OPTS);
  const full = TrainRunner.create(artifacts, params, { ep: "cpu", threads: 2 });
  const acc = TrainRunner.create(artifacts, params, { ep: "cpu", threads: 2 });
  const rf = await full.step(batchOf(ROWS, scales), LR);
  const ra = await acc.accumulate(
    split.map((rows) => batchOf(rows, scales)),
    LR,
    split.map(() => 1),
  );
  let worstParam = 0;
  for (const [k, v] of full.state.params) {
    const w = acc.state.params.get(k)!;
    for (let i = 0; i < v.length; i++) {
      worstParam = Math.max(worstParam, Math.abs(Number(v[i]) - Number(w[i])));
    }
  }
  await full.release();
  await acc.release();
  return { full: rf, acc: ra, worstParam };
}

function assertSame(r: { full: StepResult; acc: StepResult; worstParam: number }, what: string) {
  const close = (a: number, b: number, tol: number) =>
    Math.abs(a - b) <= tol * Math.max(1, Math.abs(a));
  assert.ok(close(r.full.loss, r.acc.loss, 1e-5), `${what}: loss ${r.full.loss} vs ${r.acc.loss}`);
  assert.ok(
    close(r.full.gradNorm, r.acc.gradNorm, 1e-4),
    `${what}: grad norm ${r.full.gradNorm} vs ${r.acc.gradNorm}`,
  );
  for (const [k, v] of Object.entries(r.full.metrics)) {
    assert.ok(close(v, r.acc.metrics[k], 1e-5), `${what}: ${k} ${v} vs ${r.acc.metrics[k]}`);
  }
  // AdamW's first step is about lr * g / (|g| + eps): entries whose gradient is near eps
  // magnify float32 summation-order differences, so parameters get 1% of lr.
  assert.ok(r.worstParam < 1e-2 * LR, `${what}: max parameter difference ${r.worstParam}`);
}

for (const mode of LOSS_AGG_MODES) {
  Deno.test(`actor step on a mini-batch equals accumulation over unequal micro-batches with weights 1 (${mode})`, async () => {
    const a = await buildTrainArtifacts(actorTrainSpec(POLICY, {
      lossAggMode: mode,
      entropyCoeff: 0.01,
      useKlLoss: true,
      klLossCoef: 0.1,
      temperature: 0.8,
      maxGradNorm: 0,
    }));
    const r = await compare(a, policyParams(), mode, SPLIT_A, actorBatch);
    assert.ok(r.full.gradNorm > 1e-3, `gradient norm ${r.full.gradNorm} too small to compare`);
    assert.ok(r.full.metrics.pg_clipfrac > 0, "some tokens are clipped");
    assertSame(r, mode);
  });

  Deno.test(`critic step on a mini-batch equals accumulation over unequal micro-batches with weights 1 (${mode})`, async () => {
    const { config, params } = criticModel();
    const a = await buildTrainArtifacts(criticTrainSpec(config, { lossAggMode: mode }));
    const r = await compare(a, params, mode, SPLIT_A, criticBatch);
    assert.ok(r.full.gradNorm > 1e-3, `gradient norm ${r.full.gradNorm} too small to compare`);
    assertSame(r, mode);
  });
}

Deno.test("token-mean gradient scale does not depend on how rows are split, unlike per-micro-batch means", async () => {
  const a = await buildTrainArtifacts(actorTrainSpec(POLICY, { maxGradNorm: 0 }));
  const p = policyParams();
  const a1 = await compare(a, p, "token-mean", SPLIT_A, actorBatch);
  const b1 = await compare(a, p, "token-mean", SPLIT_B, actorBatch);
  assertSame(a1, "split A");
  assertSame(b1, "split B");
  // verl's legacy dp_actor: each micro-batch divided by its own token count, then weighted
  // by 1/(number of micro-batches). The result depends on the split.
  const legacy = TrainRunner.create(a, p, { ep: "cpu", threads: 2 });
  const own = SPLIT_A.map((rows) =>
    actorBatch(rows, aggregationScales("token-mean", counts(rows)))
  );
  const rl = await legacy.accumulate(own, LR, SPLIT_A.map(() => 1 / SPLIT_A.length));
  await legacy.release();
  // Ten times the tolerances the equal cases pass with.
  const rel = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);
  assert.ok(rel(rl.loss, a1.full.loss) > 1e-4, `legacy loss ${rl.loss} vs ${a1.full.loss}`);
  assert.ok(
    rel(rl.gradNorm, a1.full.gradNorm) > 1e-3,
    `legacy grad norm ${rl.gradNorm} vs ${a1.full.gradNorm}`,
  );
});
