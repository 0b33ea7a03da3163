import assert from "node:assert/strict";
import {
  adamw,
  adamwHostStep,
  adamwMoments,
  applyUpdate,
  DEFAULT_ADAMW,
  encodeModel,
  Graph,
  type HostTensor,
  Session,
  TrainRunner,
} from "../../lib/graph/mod.ts";
import { buildTrainArtifacts } from "../../lib/graph/mod.ts";
import { adamwHostStepAll, workerShare } from "../../lib/graph/adamw_pool.ts";
import { compileWat, generatedModule, moduleUrl, WASM_KERNELS } from "../../tasks/_wasm.ts";
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

/** The float32 AdamW step element by element, each operation rounded to float32 (`Math.fround`). */
function fround32Step(p: number, g0: number, m: number, v: number, o: typeof step) {
  const f = Math.fround, { beta1: b1, beta2: b2, epsilon, weightDecay } = o.config;
  const g = f(g0 * f(o.gradScale));
  const m2 = f(f(m * f(b1)) + f(g * f(1 - b1)));
  const v2 = f(f(v * f(b2)) + f(f(g * g) * f(1 - b2)));
  const denom = f(f(f(Math.sqrt(v2)) / f(Math.sqrt(1 - b2 ** o.step))) + f(epsilon));
  const u = f(f(o.lr / (1 - b1 ** o.step)) * f(m2 / denom));
  return { p: f(f(p * f(1 - o.lr * weightDecay)) - u), u, m: m2, v: v2 };
}

Deno.test("the float32 host AdamW step is float32 arithmetic in the kernel graph's order, bit for bit, over chunk borders and ragged tails", () => {
  // 4096 elements per chunk in adamw_simd.ts; 4 lanes per instruction.
  for (const n of [1, 3, 4, 7, 4096, 4097, 3 * 4096 + 5]) {
    const make = () => new Float32Array(n);
    const p = filled(make, n, 0), g = filled(make, n, 1), m = filled(make, n, 2);
    const v = filled(make, n, 3).map(Math.abs);
    g[0] = 0; // no gradient: the moments only decay
    if (n > 2) g[2] = 3e4; // large: g^2 near float32's range
    const want = Array.from({ length: n }, (_, i) => fround32Step(p[i], g[i], m[i], v[i], step));
    const fused = { grad: g.slice(), m: m.slice(), v: v.slice() };
    adamwHostStep({ param: p, ...fused }, step);
    const split = { grad: g.slice(), m: m.slice(), v: v.slice() };
    adamwMoments(split.grad, split.m, split.v, step);
    const u = split.grad.slice();
    applyUpdate(p, split.grad, step);
    for (let i = 0; i < n; i++) {
      const w = want[i], at = `n=${n} [${i}]`;
      assert.equal(fused.grad[i], w.p, `fused p' ${at}`);
      assert.equal(fused.m[i], w.m, `fused m' ${at}`);
      assert.equal(fused.v[i], w.v, `fused v' ${at}`);
      assert.equal(u[i], w.u, `pass 1 u ${at}`);
      assert.equal(split.grad[i], w.p, `pass 2 p' ${at}`);
      assert.equal(split.m[i], w.m, `pass 1 m' ${at}`);
    }
    assert.ok(Number.isFinite(fused.grad[n > 2 ? 2 : 0]), `n=${n}: a large gradient stays finite`);
  }
});

Deno.test("the host AdamW step gives the AdamW kernel's values when run by onnxruntime on the same arrays", async () => {
  const n = 5000, shape = [n];
  const g = new Graph("adamw");
  const [pv, gv, mv, vv] = ["p", "g", "m", "v"].map((k) => g.input(k, "float32", shape));
  const lr = g.input("lr", "float32", []), st = g.input("step", "float32", []);
  const out = adamw(pv, gv, mv, vv, lr, st, step.config);
  out.forEach((o, i) => g.output(o, ["p2", "m2", "v2"][i]));
  const session = await Session.create(encodeModel(g), { threads: 1 });
  const make = () => new Float32Array(n);
  const p = filled(make, n, 0), grad = filled(make, n, 1), m = filled(make, n, 2);
  const v = filled(make, n, 3).map(Math.abs);
  // The kernel sees no clipping scale, so the host step runs with gradScale 1; lr is a
  // float32 input, so the host gets the same float32 value.
  const o = { ...step, gradScale: 1, lr: Math.fround(step.lr) };
  const f32 = (data: Float32Array, s: number[] = shape) => ({
    dtype: "float32" as const,
    shape: s,
    data,
  });
  const res = await session.run({
    p: f32(p),
    g: f32(grad),
    m: f32(m),
    v: f32(v),
    lr: f32(new Float32Array([o.lr]), []),
    step: f32(new Float32Array([o.step]), []),
  });
  await session.release();
  const host = { grad: grad.slice(), m: m.slice(), v: v.slice() };
  adamwHostStep({ param: p, ...host }, o);
  assert.deepEqual(host.m, res.m2.data, "m'");
  assert.deepEqual(host.v, res.v2.data, "v'");
  // p' goes through the bias corrections, which the graph computes in float32 (Pow, then Sub
  // from 1) and the host in float64, rounded once: 1 - 0.999^4 = 0.004 loses ~8 bits to
  // cancellation in float32, so the graph's u is off by up to ~2e-5 of itself.
  const want = res.p2.data as Float32Array;
  for (let i = 0; i < n; i++) {
    const u = Math.abs(fround32Step(p[i], grad[i], m[i], v[i], o).u);
    const ulp = 2 ** (Math.floor(Math.log2(Math.abs(want[i]) || 1e-38)) - 23);
    assert.ok(
      Math.abs(host.grad[i] - want[i]) <= 2 * ulp + 3e-5 * u,
      `p'[${i}]: ${host.grad[i]} vs ${want[i]} (u ${u})`,
    );
  }
});

Deno.test("every generated WebAssembly module holds the compile of its .wat source (run deno task build-wasm after editing one)", async () => {
  for (const k of WASM_KERNELS) {
    const bytes = await compileWat(k);
    assert.ok(bytes.length > 100, `${k.wat} compiles to ${bytes.length} bytes`);
    const committed = await Deno.readTextFile(moduleUrl(k));
    assert.equal(committed, generatedModule(k, bytes), `${k.module} is stale`);
  }
});
