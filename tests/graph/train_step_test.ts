import assert from "node:assert/strict";
import type { HostTensor } from "../../lib/graph/mod.ts";
import {
  buildTrainArtifacts,
  cachedTrainArtifacts,
  loadTrainArtifacts,
  saveTrainArtifacts,
  TrainRunner,
} from "../../lib/graph/mod.ts";
import { tinyCorpus, type TinyLmConfig, tinyLmInit, tinyLmLoss, tinyLmParams } from "./_tiny_lm.ts";

const cfg: TinyLmConfig = {
  vocab: 16,
  hidden: 32,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 8,
  ffn: 64,
  seq: 12,
  batch: 8,
};

function batchOf(rows: number[][], c: TinyLmConfig): Record<string, HostTensor> {
  const ids = new BigInt64Array(c.batch * c.seq), targets = new BigInt64Array(c.batch * c.seq);
  rows.forEach((r, b) => {
    for (let t = 0; t < c.seq; t++) {
      ids[b * c.seq + t] = BigInt(r[t]);
      targets[b * c.seq + t] = BigInt(r[t + 1]);
    }
  });
  return {
    ids: { dtype: "int64", shape: [c.batch, c.seq], data: ids },
    targets: { dtype: "int64", shape: [c.batch, c.seq], data: targets },
  };
}

async function train(steps: number, seed: number) {
  const a = await buildTrainArtifacts({
    params: tinyLmParams(cfg),
    build: (g, P) => ({ loss: tinyLmLoss(g, P, cfg) }),
    optimizer: { weightDecay: 0 },
    maxGradNorm: 1,
  });
  const runner = TrainRunner.create(a, tinyLmInit(cfg, seed), { ep: "cpu", threads: 2 });
  const corpus = tinyCorpus(cfg, 64, 3);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const rows = Array.from(
      { length: cfg.batch },
      (_, i) => corpus[(s * cfg.batch + i) % corpus.length],
    );
    losses.push((await runner.step(batchOf(rows, cfg), 3e-3)).loss);
  }
  await runner.release();
  return { losses, params: runner.state.params };
}

Deno.test("a tiny 2-layer LM trained by the train-step graph drops well below ln(vocab), deterministically", async () => {
  const a = await train(200, 1);
  const b = await train(200, 1);
  const lnV = Math.log(cfg.vocab);
  assert.ok(Math.abs(a.losses[0] - lnV) < 0.6, `first loss ${a.losses[0]} vs ln V ${lnV}`);
  const last = a.losses.slice(-10).reduce((x, y) => x + y) / 10;
  assert.ok(last < 0.35 * lnV, `final loss ${last} is not well below ln V = ${lnV}`);
  assert.deepEqual(a.losses, b.losses, "same seed, same losses");
  for (const [k, v] of a.params) assert.deepEqual(v, b.params.get(k), k);
});

Deno.test("gradient accumulation over 2 half batches gives the full batch's parameters", async () => {
  const half: TinyLmConfig = { ...cfg, batch: cfg.batch / 2 };
  const build = (c: TinyLmConfig) =>
    buildTrainArtifacts({
      params: tinyLmParams(c),
      build: (g, P) => ({ loss: tinyLmLoss(g, P, c) }),
    });
  const full = TrainRunner.create(await build(cfg), tinyLmInit(cfg, 5), { ep: "cpu" });
  const acc = TrainRunner.create(await build(half), tinyLmInit(cfg, 5), { ep: "cpu" });
  const corpus = tinyCorpus(cfg, 32, 9);
  for (let s = 0; s < 3; s++) {
    const rows = corpus.slice(s * cfg.batch, (s + 1) * cfg.batch);
    const rf = await full.step(batchOf(rows, cfg), 1e-2);
    const ra = await acc.accumulate(
      [batchOf(rows.slice(0, 4), half), batchOf(rows.slice(4), half)],
      1e-2,
    );
    assert.ok(Math.abs(rf.loss - ra.loss) < 1e-5, `loss ${rf.loss} vs ${ra.loss}`);
    assert.ok(
      Math.abs(rf.gradNorm - ra.gradNorm) < 1e-4 * rf.gradNorm,
      `norm ${rf.gradNorm} vs ${ra.gradNorm}`,
    );
  }
  let worst = 0;
  for (const [k, v] of full.state.params) {
    const w = acc.state.params.get(k)!;
    for (let i = 0; i < v.length; i++) {
      worst = Math.max(worst, Math.abs(Number(v[i]) - Number(w[i])));
    }
  }
  assert.ok(worst < 2e-5, `max parameter difference ${worst}`);
  await full.release();
  await acc.release();
});

Deno.test("frozen parameters are fed but never updated", async () => {
  const params = tinyLmParams(cfg).map((p) => ({ ...p, trainable: p.name !== "embed" }));
  const a = await buildTrainArtifacts({
    params,
    build: (g, P) => ({ loss: tinyLmLoss(g, P, cfg) }),
  });
  const init = tinyLmInit(cfg, 2);
  const r = TrainRunner.create(a, init, { ep: "cpu" });
  await r.step(batchOf(tinyCorpus(cfg, cfg.batch, 1), cfg), 1e-2);
  assert.equal(r.state.params.get("embed"), init.get("embed"));
  assert.notDeepEqual(r.state.params.get("head"), init.get("head"));
  assert.ok(!r.state.m.has("embed"));
  await r.release();
});

Deno.test("train-step artifacts are saved, reloaded with a verified hash, and reused by key", async () => {
  const dir = await Deno.makeTempDir();
  let builds = 0;
  const spec = () => {
    builds++;
    return {
      params: tinyLmParams(cfg),
      build: (g: never, P: never) => ({ loss: tinyLmLoss(g, P, cfg) }),
    };
  };
  const a = await cachedTrainArtifacts(`${dir}/art`, "k1", spec);
  const b = await cachedTrainArtifacts(`${dir}/art`, "k1", spec);
  assert.equal(builds, 1);
  assert.equal(a.manifest.hash, b.manifest.hash);
  assert.deepEqual(b.manifest.batchInputs.map((x) => x.name), ["ids", "targets"]);
  await saveTrainArtifacts(`${dir}/copy`, a);
  const bytes = await Deno.readFile(`${dir}/copy/apply.onnx`);
  bytes[bytes.length - 1] ^= 1;
  await Deno.writeFile(`${dir}/copy/apply.onnx`, bytes);
  await assert.rejects(() => loadTrainArtifacts(`${dir}/copy`), /do not match manifest/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the host optimizer (fused AdamW pass after the grad graph) matches the train graph's AdamW step for step", async () => {
  const a = await buildTrainArtifacts({
    params: tinyLmParams(cfg),
    build: (g, P) => ({ loss: tinyLmLoss(g, P, cfg) }),
    optimizer: { weightDecay: 0.1, beta2: 0.95 },
    maxGradNorm: 0.5, // small enough to clip
  });
  const graph = TrainRunner.create(a, tinyLmInit(cfg, 3), { ep: "cpu", optimizer: "graph" });
  const host = TrainRunner.create(a, tinyLmInit(cfg, 3), { ep: "cpu", optimizer: "host" });
  assert.equal(TrainRunner.create(a, tinyLmInit(cfg, 3), { ep: "cpu" }).optimizer, "host");
  const corpus = tinyCorpus(cfg, 64, 4);
  let clipped = 0;
  for (let s = 0; s < 5; s++) {
    const rows = Array.from({ length: cfg.batch }, (_, i) => corpus[(s * cfg.batch + i) % 64]);
    const batch = batchOf(rows, cfg);
    const [rg, rh] = [await graph.step(batch, 1e-2), await host.step(batch, 1e-2)];
    if (rg.gradNorm > 0.5) clipped++;
    assert.ok(Math.abs(rg.loss - rh.loss) <= 1e-5 * (1 + Math.abs(rg.loss)), `loss step ${s}`);
    assert.ok(Math.abs(rg.gradNorm - rh.gradNorm) <= 1e-4 * rg.gradNorm, `norm step ${s}`);
  }
  assert.ok(clipped > 0, "the test must exercise clipping");
  assert.equal(host.state.step, 5);
  for (const [name, want] of graph.state.params) {
    const got = host.state.params.get(name)!;
    for (let i = 0; i < want.length; i++) {
      const [w, x] = [Number(want[i]), Number(got[i])];
      assert.ok(Math.abs(w - x) <= 1e-5 * (1 + Math.abs(w)), `${name}[${i}]: ${x} vs ${w}`);
    }
    for (const k of ["m", "v"] as const) {
      const wm = graph.state[k].get(name)!, gm = host.state[k].get(name)!;
      // Moments near zero carry cancellation from earlier steps: allow ~16 fp32 ulps of the
      // tensor's largest moment.
      const scale = Array.from(wm as Float32Array).reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      for (let i = 0; i < wm.length; i++) {
        const [w, x] = [Number(wm[i]), Number(gm[i])];
        assert.ok(
          Math.abs(w - x) <= 1e-5 * Math.abs(w) + 1e-6 * scale,
          `${k}.${name}[${i}]: ${x} vs ${w}`,
        );
      }
    }
  }
  await graph.release();
  await host.release();
});
