import assert from "node:assert/strict";
import { adamwHostStep, DEFAULT_ADAMW, type HostTensor, TrainRunner } from "../../lib/graph/mod.ts";
import { buildTrainArtifacts } from "../../lib/graph/mod.ts";
import { adamwHostStepAll, workerShare } from "../../lib/graph/adamw_pool.ts";
import { tinyCorpus, type TinyLmConfig, tinyLmInit, tinyLmLoss, tinyLmParams } from "./_tiny_lm.ts";

const step = { lr: 3e-3, step: 4, gradScale: 0.7, config: { ...DEFAULT_ADAMW, weightDecay: 0.1 } };

function filled<T extends Float32Array | Float64Array>(
  make: (n: number) => T,
  n: number,
  k: number,
) {
  const a = make(n);
  for (let i = 0; i < n; i++) {
    a[i] = Math.sin(i * 0.37 + k) * (k === 3 ? 1e-4 : 0.05) + (k === 3 ? 1e-4 : 0);
  }
  return a;
}

for (const dtype of ["float32", "float64"] as const) {
  Deno.test(`the host AdamW step on two threads gives the bytes of one thread (${dtype}), moving only arrays that own their buffers`, async () => {
    const make = (n: number) => dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
    const big = 1 << 17, small = 1000;
    // Tensor 2's gradient is a view into a shared buffer: it must stay on this thread.
    const shared = make(2 * big);
    const kinds = [big, big + 3, big, small];
    const tensors = kinds.map((n, t) => ({
      param: filled(make, n, 0 + t),
      grad: t === 2 ? shared.subarray(big, 2 * big) : filled(make, n, 1 + t),
      m: filled(make, n, 2 + t),
      v: filled(make, n, 3).map(Math.abs),
    }));
    if (dtype === "float32") shared.set(filled(make, big, 3), big);
    else shared.set(filled(make, big, 3), big);
    const copy = () =>
      tensors.map((t) => ({
        param: t.param.slice(),
        grad: t.grad.slice(),
        m: t.m.slice(),
        v: t.v.slice(),
      }));
    const want = copy().map((t) => ({ ...t, param: adamwHostStep(t, step) }));
    const movable = (i: number) => i === 0;
    const share = workerShare(tensors, movable);
    assert.ok(share.size >= 1 && !share.has(2) && !share.has(3), `share ${[...share]}`);
    const params = tensors.map((t) => t.param);
    const got = await adamwHostStepAll(tensors, step, true, movable);
    for (let t = 0; t < kinds.length; t++) {
      assert.deepEqual(got[t].param, want[t].param, `param' ${t}`);
      assert.deepEqual(got[t].m, want[t].m, `m' ${t}`);
      assert.deepEqual(got[t].v, want[t].v, `v' ${t}`);
    }
    // What went to the worker came back as new views; a moved parameter's old array is detached,
    // the others are untouched.
    for (const i of share) assert.notEqual(got[i].m, tensors[i].m);
    if (share.has(0)) assert.equal(params[0].length, 0);
    for (const i of [1, 2, 3]) assert.equal(params[i].length, kinds[i]);
    assert.equal(shared.length, 2 * big);
  });
}

const cfg: TinyLmConfig = {
  vocab: 512, // embedding 512 x 128 = 65,536 values: large enough for the worker
  hidden: 128,
  layers: 1,
  heads: 4,
  kvHeads: 2,
  headDim: 32,
  ffn: 256,
  seq: 8,
  batch: 4,
};

function batchOf(rows: number[][]): Record<string, HostTensor> {
  const ids = new BigInt64Array(cfg.batch * cfg.seq),
    targets = new BigInt64Array(cfg.batch * cfg.seq);
  rows.forEach((r, b) => {
    for (let t = 0; t < cfg.seq; t++) {
      ids[b * cfg.seq + t] = BigInt(r[t]);
      targets[b * cfg.seq + t] = BigInt(r[t + 1]);
    }
  });
  return {
    ids: { dtype: "int64", shape: [cfg.batch, cfg.seq], data: ids },
    targets: { dtype: "int64", shape: [cfg.batch, cfg.seq], data: targets },
  };
}

Deno.test("a train runner with the host optimizer's worker thread steps to the same bytes as without it, and never touches the caller's initial parameters", async () => {
  const a = await buildTrainArtifacts({
    params: tinyLmParams(cfg),
    build: (g, P) => ({ loss: tinyLmLoss(g, P, cfg) }),
    optimizer: { weightDecay: 0.1 },
    maxGradNorm: 1,
  });
  // One initial map for both runners: a reference model may hold these arrays.
  const init = tinyLmInit(cfg, 5);
  const before = new Map([...init].map(([k, v]) => [k, v.slice()]));
  const one = TrainRunner.create(a, init, { ep: "cpu", threads: 2, hostWorker: false });
  const two = TrainRunner.create(a, init, { ep: "cpu", threads: 2, hostWorker: true });
  assert.equal(TrainRunner.create(a, init, { ep: "cpu", threads: 1 }).hostWorker, false);
  assert.equal(TrainRunner.create(a, init, { ep: "cpu", threads: 2 }).hostWorker, true);
  const corpus = tinyCorpus({ ...cfg, vocab: 512 }, 16, 2);
  let moved = 0;
  for (let s = 0; s < 4; s++) {
    const batch = batchOf(Array.from({ length: cfg.batch }, (_, i) => corpus[(s * 4 + i) % 16]));
    const m0 = two.state.m.get("embed")!;
    const [r1, r2] = [await one.step(batch, 1e-2), await two.step(batch, 1e-2)];
    assert.equal(r1.loss, r2.loss, `loss step ${s}`);
    assert.equal(r1.gradNorm, r2.gradNorm, `norm step ${s}`);
    if (m0.length === 0) moved++; // the embedding's moment went to the worker and came back anew
  }
  assert.ok(moved >= 3, `the worker took the embedding on ${moved} of 4 steps`);
  for (const k of ["params", "m", "v"] as const) {
    for (const [name, want] of one.state[k]) {
      assert.deepEqual(two.state[k].get(name), want, `${k}.${name}`);
    }
  }
  for (const [name, want] of before) assert.deepEqual(init.get(name), want, `initial ${name}`);
  await one.release();
  await two.release();
});

Deno.test("a process that used the host optimizer's worker thread exits by itself", async () => {
  const url = new URL("../../lib/graph/adamw_pool.ts", import.meta.url).href;
  const code = `
    import { adamwHostStepAll } from "${url}";
    const n = 1 << 17, t = () => new Float32Array(n).fill(0.5);
    const r = await adamwHostStepAll([{ param: t(), grad: t(), m: t(), v: t() }],
      { lr: 1e-3, step: 1, gradScale: 1, config: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 } }, true);
    console.log(r[0].param.length);`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A hang guard, not a speed bound: a worker that kept the process alive would never exit.
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const out = await child.output();
  clearTimeout(timer);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout).trim(), String(1 << 17));
});
