import assert from "node:assert/strict";
import {
  buildTrainArtifacts,
  encodeModel,
  type Graph,
  type HostTensor,
  Session,
  TrainRunner,
} from "../../lib/graph/mod.ts";
import { buildCausalLmGraph, buildValueGraph } from "../../lib/model/graphs.ts";
import { actorTrainSpec } from "../../lib/rl/actor_spec.ts";
import { aggregationScales, type LossAggMode } from "../../lib/rl/aggregate.ts";
import { criticTrainSpec } from "../../lib/rl/critic_spec.ts";
import { buildLogprobGraph } from "../../lib/rl/logprob_graph.ts";
import {
  criticModel,
  f32,
  noise,
  perToken,
  POLICY,
  policyParams,
  ROWS,
  scalar,
  sequenceBatch,
} from "./_tiny_ppo.ts";

const T = 0.7;
const { feeds: SEQ, seq: S } = sequenceBatch(ROWS);
const B = ROWS.length;
const MASK = perToken(ROWS, S, () => 1);
const TOKENS = ROWS.reduce((n, r) => n + r.response.length, 0);

function weightFeeds(params: Map<string, Float32Array>, g: Graph): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const v of g.inputs) {
    const p = params.get(v.name);
    if (p) out[v.name] = { dtype: "float32", shape: v.shape as number[], data: p };
  }
  return out;
}

async function runGraph(g: Graph, feeds: Record<string, HostTensor>) {
  const s = await Session.create(encodeModel(g), { ep: "cpu", threads: 2 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** `logprobs` (and `entropy`) of ROWS from buildLogprobGraph on `params` at temperature t. */
async function forwardLogprobs(params: Map<string, Float32Array>, t: number) {
  const g = buildLogprobGraph(POLICY, { temperature: t, entropy: true });
  const out = await runGraph(g, { ...SEQ, ...weightFeeds(params, g) });
  return { logprobs: out.logprobs.data as Float32Array, entropy: out.entropy.data as Float32Array };
}

function actorFeeds(old: Float32Array, adv: Float32Array, ref?: Float32Array) {
  const s = aggregationScales("token-mean", ROWS.map((r) => r.response.length));
  const feeds: Record<string, HostTensor> = {
    ...SEQ,
    old_logprobs: f32(old, B, S),
    advantages: f32(adv, B, S),
    response_mask: f32(MASK, B, S),
    loss_scale: scalar(s.lossScale),
    token_scale: scalar(s.tokenScale),
  };
  if (ref) feeds.ref_logprobs = f32(ref, B, S);
  return feeds;
}

const maskedMean = (x: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < MASK.length; i++) s += MASK[i] * x[i];
  return s / TOKENS;
};

Deno.test("actorTrainSpec() declares the documented batch inputs and metrics", async () => {
  const plain = await buildTrainArtifacts(actorTrainSpec(POLICY));
  const withKl = await buildTrainArtifacts(actorTrainSpec(POLICY, { useKlLoss: true }));
  const names = (a: typeof plain) => a.manifest.batchInputs.map((x) => `${x.name}:${x.dtype}`);
  const common = [
    "input_ids:int64",
    "attention_mask:int64",
    "position_ids:int64",
    "targets:int64",
    "old_logprobs:float32",
    "advantages:float32",
    "response_mask:float32",
  ];
  assert.deepEqual(names(plain), [...common, "loss_scale:float32", "token_scale:float32"]);
  assert.deepEqual(names(withKl), [
    ...common,
    "ref_logprobs:float32",
    "loss_scale:float32",
    "token_scale:float32",
  ]);
  assert.deepEqual(plain.manifest.metrics, [
    "pg_loss",
    "pg_clipfrac",
    "pg_clipfrac_lower",
    "ppo_kl",
    "entropy",
  ]);
  assert.deepEqual(withKl.manifest.metrics.at(-1), "kl_loss");
  assert.equal(plain.manifest.maxGradNorm, 1, "verl's grad_clip default");
});

Deno.test("buildLogprobGraph() at temperature T gives log_softmax(logits / T) of the targets", async () => {
  const params = policyParams();
  const g = buildCausalLmGraph(POLICY);
  const logits = (await runGraph(g, { ...SEQ, ...weightFeeds(params, g) })).logits
    .data as Float32Array;
  const { logprobs } = await forwardLogprobs(params, T);
  const V = POLICY.vocabSize;
  const targets = SEQ.targets.data as BigInt64Array;
  for (let i = 0; i < B * S; i++) {
    const row = Array.from(logits.subarray(i * V, (i + 1) * V), (x) => x / T);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
    const want = row[Number(targets[i])] - lse;
    assert.ok(Math.abs(logprobs[i] - want) < 1e-5, `position ${i}: ${logprobs[i]} vs ${want}`);
  }
  const plain = buildLogprobGraph(POLICY);
  assert.deepEqual(plain.outputs.map((v) => v.name), ["logprobs"]);
});

Deno.test("actor loss is 0 with zero advantages and ppo_kl is 0 against buildLogprobGraph's logprobs at T = 0.7", async () => {
  const params = policyParams();
  const { logprobs, entropy } = await forwardLogprobs(params, T);
  const old = Float32Array.from(logprobs, (x, i) => MASK[i] * x);
  const a = await buildTrainArtifacts(
    actorTrainSpec(POLICY, { temperature: T, useKlLoss: true, klLossCoef: 0.5 }),
  );
  const runner = TrainRunner.create(a, params, { ep: "cpu", threads: 2 });
  const zero = await runner.step(actorFeeds(old, new Float32Array(B * S), old), 1e-3);
  await runner.release();
  // -0 counts as 0 (the loss is -A * r summed).
  assert.ok(zero.loss === 0, `loss ${zero.loss}`);
  assert.ok(zero.metrics.pg_loss === 0, `pg_loss ${zero.metrics.pg_loss}`);
  assert.ok(zero.gradNorm < 1e-6, `grad norm ${zero.gradNorm}`);
  // Bitwise 0 on CPU today; a tolerance keeps the test about the semantics, not fusions.
  assert.ok(Math.abs(zero.metrics.ppo_kl) < 1e-7, `ppo_kl ${zero.metrics.ppo_kl}`);
  assert.ok(Math.abs(zero.metrics.kl_loss) < 1e-7, `kl_loss ${zero.metrics.kl_loss}`);
  assert.equal(zero.metrics.pg_clipfrac, 0);
  const h = maskedMean(entropy);
  assert.ok(Math.abs(zero.metrics.entropy - h) < 1e-5, `entropy ${zero.metrics.entropy} vs ${h}`);
});

Deno.test("actor pg_loss at ratio 1 is minus the token-mean advantage; temperature 1 logprobs give ppo_kl != 0", async () => {
  const params = policyParams();
  const adv = perToken(ROWS, S, noise(7));
  const tempered = await forwardLogprobs(params, T);
  const a = await buildTrainArtifacts(actorTrainSpec(POLICY, { temperature: T }));
  const r1 = TrainRunner.create(a, params, { ep: "cpu", threads: 2 });
  const onPolicy = await r1.step(actorFeeds(tempered.logprobs, adv), 1e-3);
  await r1.release();
  const want = -maskedMean(adv);
  assert.ok(Math.abs(onPolicy.metrics.pg_loss - want) < 1e-6, `${onPolicy.metrics.pg_loss}`);
  assert.ok(Math.abs(onPolicy.loss - want) < 1e-6);
  assert.ok(onPolicy.gradNorm > 1e-3, "the loss has a gradient at ratio 1");
  // Old log-probs at the wrong temperature: the ratio is not 1.
  const plain = await forwardLogprobs(params, 1);
  const r2 = TrainRunner.create(a, params, { ep: "cpu", threads: 2 });
  const off = await r2.step(actorFeeds(plain.logprobs, adv), 1e-3);
  await r2.release();
  const kl = maskedMean(plain.logprobs.map((x, i) => x - tempered.logprobs[i]));
  assert.ok(Math.abs(kl) > 1e-2, `the temperatures differ enough (${kl})`);
  assert.ok(Math.abs(off.metrics.ppo_kl - kl) < 1e-5, `ppo_kl ${off.metrics.ppo_kl} vs ${kl}`);
});

Deno.test("criticTrainSpec() at old values from buildValueGraph gives 0.5 * token-mean (v - R)^2 and no clipping", async () => {
  const { config, params } = criticModel();
  const a = await buildTrainArtifacts(criticTrainSpec(config));
  assert.deepEqual(a.manifest.batchInputs.map((x) => `${x.name}:${x.dtype}`), [
    "input_ids:int64",
    "attention_mask:int64",
    "position_ids:int64",
    "old_values:float32",
    "returns:float32",
    "response_mask:float32",
    "loss_scale:float32",
    "token_scale:float32",
  ]);
  assert.deepEqual(a.manifest.metrics, ["vf_loss", "vf_clipfrac", "vpred_mean"]);
  const g = buildValueGraph(config);
  const { targets: _, ...inputs } = SEQ;
  const values = (await runGraph(g, { ...inputs, ...weightFeeds(params, g) })).values
    .data as Float32Array;
  const returns = perToken(ROWS, S, (r, k) => 2 * noise(9)(r, k));
  const s = aggregationScales("token-mean", ROWS.map((r) => r.response.length));
  const runner = TrainRunner.create(a, params, { ep: "cpu", threads: 2 });
  const r = await runner.step({
    ...inputs,
    old_values: f32(values, B, S),
    returns: f32(returns, B, S),
    response_mask: f32(MASK, B, S),
    loss_scale: scalar(s.lossScale),
    token_scale: scalar(s.tokenScale),
  }, 1e-3);
  await runner.release();
  const want = 0.5 * maskedMean(values.map((v, i) => (v - returns[i]) ** 2));
  assert.ok(Math.abs(r.loss - want) < 1e-5 * want, `vf_loss ${r.loss} vs ${want}`);
  assert.equal(r.metrics.vf_clipfrac, 0);
  assert.ok(Math.abs(r.metrics.vpred_mean - maskedMean(values)) < 1e-6);
});

Deno.test("actorTrainSpec() and criticTrainSpec() reject wrong configs, modes and frozen names", () => {
  const { config } = criticModel();
  assert.throws(() => actorTrainSpec(config), /needs a causal-lm config/);
  assert.throws(() => criticTrainSpec(POLICY), /one-label seq-cls config/);
  assert.throws(
    () => actorTrainSpec(POLICY, { lossAggMode: "sum" as LossAggMode }),
    /unknown loss_agg_mode "sum"; supported modes are/,
  );
  assert.throws(() => criticTrainSpec(config, { freeze: ["nope"] }), /unknown parameter\(s\) nope/);
  const spec = actorTrainSpec(POLICY, { freeze: ["model.embed_tokens.weight"] });
  const frozen = spec.params.filter((p) => p.trainable === false).map((p) => p.name);
  assert.deepEqual(frozen, ["model.embed_tokens.weight"]);
});

Deno.test("actor loss is pg_loss - entropy_coeff * entropy + kl_loss_coef * kl_loss (seq-mean-token-mean)", async () => {
  const params = policyParams();
  const adv = perToken(ROWS, S, noise(7));
  const ref = perToken(ROWS, S, (r, k) => -3.5 + 0.5 * noise(8)(r, k));
  const { logprobs, entropy } = await forwardLogprobs(params, T);
  const mode = "seq-mean-token-mean";
  const a = await buildTrainArtifacts(actorTrainSpec(POLICY, {
    temperature: T,
    lossAggMode: mode,
    entropyCoeff: 0.05,
    useKlLoss: true,
    klLossCoef: 0.2,
    klLossType: "k1",
  }));
  const s = aggregationScales(mode, ROWS.map((r) => r.response.length));
  assert.deepEqual(s, { lossScale: 5, tokenScale: TOKENS });
  const feeds = {
    ...actorFeeds(logprobs, adv, ref),
    loss_scale: scalar(s.lossScale),
    token_scale: scalar(s.tokenScale),
  };
  const runner = TrainRunner.create(a, params, { ep: "cpu", threads: 2 });
  const r = await runner.step(feeds, 1e-3);
  await runner.release();
  // Mean over rows of each row's token-mean.
  const seqMean = (x: ArrayLike<number>) => {
    let total = 0;
    ROWS.forEach((row, b) => {
      let sum = 0;
      for (let k = 0; k < row.response.length; k++) sum += x[b * S + row.prompt.length + k - 1];
      total += sum / row.response.length;
    });
    return total / ROWS.length;
  };
  const pg = -seqMean(adv), h = seqMean(entropy);
  const kl = seqMean(logprobs.map((x, i) => x - ref[i]));
  assert.ok(Math.abs(r.metrics.pg_loss - pg) < 1e-6, `pg_loss ${r.metrics.pg_loss} vs ${pg}`);
  assert.ok(Math.abs(r.metrics.kl_loss - kl) < 1e-5, `kl_loss ${r.metrics.kl_loss} vs ${kl}`);
  const want = pg - 0.05 * h + 0.2 * kl;
  assert.ok(Math.abs(r.loss - want) < 1e-5, `loss ${r.loss} vs ${want}`);
  // The entropy metric stays a token-mean whatever the aggregation.
  assert.ok(Math.abs(r.metrics.entropy - maskedMean(entropy)) < 1e-5);
});
