import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import {
  buildTrainArtifacts,
  encodeModel,
  Graph,
  type HostTensor,
  op,
  Session,
  TrainRunner,
} from "../../lib/graph/mod.ts";
import { lowerForWebGpu } from "../../lib/graph/lower_webgpu.ts";
import { FUSED_MATMUL } from "../../lib/model/linear.ts";
import { lmTrainSpec } from "../../lib/model/mod.ts";
import { OrtStepModel } from "../../lib/rollout/decode_model.ts";
import { lmBatch } from "../../tasks/bench_model.ts";
import { readProfile } from "../../tasks/_ort_profile.ts";
import { tinyModel } from "../rollout/_fixtures.ts";

const opTypes = (model: Uint8Array) => {
  const m = onnxProto.onnx.ModelProto.decode(model);
  return [...m.graph!.node!, ...(m.functions ?? []).flatMap((f) => f.node ?? [])].map((n) =>
    n.opType
  );
};

const f32 = (shape: number[], f: (i: number) => number): HostTensor => ({
  dtype: "float32",
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
});

Deno.test("lowerForWebGpu rewrites FusedMatMul as Gemm and LogSoftmax as its stable form, with the same outputs on the CPU provider", async () => {
  const g = new Graph("lower");
  const a = g.input("a", "float32", [6, 5]), b = g.input("b", "float32", [4, 5]);
  const c = g.input("c", "float32", [6, 4]);
  const fm = (x: typeof a, y: typeof a, transA: number, transB: number) =>
    g.addNode(FUSED_MATMUL, [x, y], { transA, transB })[0];
  g.output(fm(a, b, 0, 1), "ab_t"); // [6, 4]
  g.output(fm(c, a, 1, 0), "c_t_a"); // [4, 5]
  g.output(op.logSoftmax(c, -1), "logsoftmax");
  const model = encodeModel(g);
  const lowered = lowerForWebGpu(model);
  assert.deepEqual(opTypes(model).filter((t) => t === "FusedMatMul").length, 2);
  assert.deepEqual(opTypes(lowered).filter((t) => t === "FusedMatMul" || t === "LogSoftmax"), []);
  assert.equal(opTypes(lowered).filter((t) => t === "Gemm").length, 2);
  // Logits far outside exp's float32 range (|x| up to 500) stay finite.
  const feeds = {
    a: f32([6, 5], (i) => Math.sin(i)),
    b: f32([4, 5], (i) => Math.cos(i)),
    c: f32([6, 4], (i) => Math.sin(3 * i) * 10 + (i < 8 ? 500 : i < 16 ? -500 : 0)),
  };
  const [want, got] = await Promise.all([model, lowered].map(async (m) => {
    const s = await Session.create(m, { ep: "cpu" });
    const out = await s.run(feeds);
    await s.release();
    return out;
  }));
  for (const k of ["ab_t", "c_t_a", "logsoftmax"]) {
    const w = want[k].data as Float32Array, x = got[k].data as Float32Array;
    assert.deepEqual(got[k].shape, want[k].shape, k);
    for (let i = 0; i < w.length; i++) {
      assert.ok(Number.isFinite(x[i]), `${k}[${i}] = ${x[i]}`);
      assert.ok(
        Math.abs(w[i] - x[i]) <= 1e-5 * (1 + Math.abs(w[i])),
        `${k}[${i}]: ${x[i]} vs ${w[i]}`,
      );
    }
  }
  // A model without either op is handed back as it is.
  const plain = new Graph("plain");
  plain.output(op.add(plain.input("x", "float32", [2]), plain.input("y", "float32", [2])), "z");
  const bytes = encodeModel(plain);
  assert.equal(lowerForWebGpu(bytes), bytes);
});

/** Whether onnxruntime's WebGPU provider finds an adapter here (a GPU, or Mesa's lavapipe). */
async function webgpuAdapter(): Promise<boolean> {
  const g = new Graph("probe");
  g.output(op.add(g.input("x", "float32", [1]), g.input("y", "float32", [1])), "z");
  try {
    await (await Session.create(encodeModel(g), { ep: "webgpu" })).release();
    return true;
  } catch {
    return false;
  }
}

const hasAdapter = await webgpuAdapter();

Deno.test({
  name:
    "on the WebGPU provider a train step and the sampler's prefill and decode give the CPU provider's results",
  // .ci/run installs Mesa's lavapipe (software Vulkan), so under CI this always runs.
  ignore: !hasAdapter && Deno.env.get("CI") !== "true",
  fn: async () => {
    const m = await tinyModel();
    const c = m.config;
    // Train: 2 steps of the LM loss (FusedMatMul products, the token log-prob's LogSoftmax).
    const artifacts = await buildTrainArtifacts(lmTrainSpec(c, { maxGradNorm: 1 }));
    const batch = lmBatch(c, 2, 12);
    const prefix = `${await Deno.makeTempDir({ prefix: "webgpu_profile_" })}/train`;
    const trained = await Promise.all((["cpu", "webgpu"] as const).map(async (ep) => {
      const init = new Map([...m.params].map(([k, t]) => [k, t.data.slice()]));
      const r = TrainRunner.create(artifacts, init, {
        ep,
        optimizer: "graph",
        profilePrefix: ep === "webgpu" ? prefix : undefined,
      });
      const losses = [(await r.step(batch, 1e-3)).loss, (await r.step(batch, 1e-3)).loss];
      const params = r.state.params;
      await r.release();
      return { losses, params };
    }));
    const [cpu, gpu] = trained;
    // Every product and softmax ran on the GPU: only shape and position arithmetic is left to
    // onnxruntime's CPU provider.
    const nodes = (await readProfile(prefix)).runs.flatMap((r) => r.nodes);
    const onCpu = new Set(
      nodes.filter((n) => n.provider === "CPUExecutionProvider").map((n) => n.op),
    );
    for (const heavy of ["FusedMatMul", "Gemm", "MatMul", "LogSoftmax", "Softmax", "Exp"]) {
      assert.ok(!onCpu.has(heavy), `${heavy} ran on the CPU provider (${[...onCpu]})`);
    }
    const gemms = nodes.filter((n) => n.op === "Gemm" && n.provider === "WebGpuExecutionProvider");
    assert.ok(gemms.length >= 7 * c.numHiddenLayers, `${gemms.length} Gemm nodes on the GPU`);
    await Deno.remove(prefix.slice(0, -"/train".length), { recursive: true });
    cpu.losses.forEach((l, i) => assert.ok(Math.abs(l - gpu.losses[i]) <= 1e-5 * l, `loss ${i}`));
    for (const [name, w] of cpu.params) {
      const x = gpu.params.get(name) as Float32Array, want = w as Float32Array;
      // Two AdamW steps at lr 1e-3 move a parameter by at most ~2e-3.
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(want[i] - x[i]) <= 2e-4, `${name}[${i}]: ${x[i]} vs ${want[i]}`);
      }
    }
    // Sampler: a left-padded prefill (an empty cache) and one decode step on its cache.
    const B = 2, T = 4, L = c.numHiddenLayers;
    const prefill = {
      inputIds: BigInt64Array.from([3, 9, 4, 1, 0, 5, 2, 8], BigInt),
      positionIds: BigInt64Array.from([0, 1, 2, 3, 0, 0, 1, 2], BigInt),
      attentionMask: BigInt64Array.from([1, 1, 1, 1, 0, 1, 1, 1], BigInt),
      batch: B,
      seq: T,
      past: new Array(2 * L).fill(new Float32Array(0)),
      pastLength: 0,
      temperature: new Float32Array([1, 1]),
    };
    const sampled = await Promise.all((["cpu", "webgpu"] as const).map(async (ep) => {
      const model = await OrtStepModel.create(c, m.params, { ep });
      const first = await model.run(prefill);
      const step = await model.run({
        inputIds: BigInt64Array.from([7, 6], BigInt),
        positionIds: BigInt64Array.from([4, 3], BigInt),
        attentionMask: BigInt64Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1, 1], BigInt),
        batch: B,
        seq: 1,
        past: first.newKv,
        pastLength: T,
        temperature: new Float32Array([1, 0.5]),
      });
      await model.release();
      return [first.probs, step.probs];
    }));
    assert.equal(sampled[0][0].length, B * c.vocabSize);
    sampled[0].forEach((want, k) => {
      const x = sampled[1][k];
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(want[i] - x[i]) <= 1e-5 * (1e-3 + want[i]), `call ${k} probs[${i}]`);
      }
    });
  },
});
