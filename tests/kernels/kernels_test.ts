import assert from "node:assert/strict";
import {
  encodeModel,
  Graph,
  type HostTensor,
  op,
  Session,
  type Value,
} from "../../lib/graph/mod.ts";
import {
  adamw,
  attention,
  attentionBias,
  prefixAttention,
  rmsNorm,
  rope,
  ropeHeads,
  swiglu,
  tokenEntropy,
  tokenLogprob,
} from "../../kernels/mod.ts";
import { type CheckInput, gradCheck, randoms } from "../graph/_gradcheck.ts";

/** A kernel case: inputs, the kernel call, and the same computation from primitives. */
interface KernelCase {
  name: string;
  inputs: CheckInput[];
  kernel: (xs: Value[]) => Value;
  primitive: (xs: Value[]) => Value;
}

function repeatKv(x: Value, groups: number): Value {
  // [B, Hkv, S, D] -> [B, Hkv*groups, S, D] with head h reading kv head h / groups.
  const [b, hkv, s, d] = x.shape as number[];
  const e = op.expand(op.unsqueeze(x, [2]), [b, hkv, groups, s, d]);
  return op.reshape(e, [b, hkv * groups, s, d]);
}

function primitiveAttention(q: Value, k: Value, v: Value, bias: Value, groups: number): Value {
  const d = q.shape[3] as number;
  const kk = repeatKv(k, groups), vv = repeatKv(v, groups);
  const s = op.div(op.matmul(q, op.transpose(kk, [0, 1, 3, 2])), Math.sqrt(d));
  return op.matmul(op.softmax(op.add(s, bias), -1), vv);
}

const mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]; // row 0 full, row 1 right-padded
const cases: KernelCase[] = [
  {
    name: "RMSNorm",
    inputs: [{ name: "x", shape: [2, 3, 6] }, { name: "w", shape: [6] }],
    kernel: ([x, w]) => rmsNorm(x, w, 1e-6),
    primitive: ([x, w]) =>
      op.mul(
        op.div(x, op.sqrt(op.add(op.reduceMean(op.pow(x, 2), [-1], { keepdims: true }), 1e-6))),
        w,
      ),
  },
  {
    name: "Rope",
    inputs: [{ name: "x", shape: [2, 2, 3, 4] }, { name: "cos", shape: [2, 1, 3, 2] }, {
      name: "sin",
      shape: [2, 1, 3, 2],
    }],
    kernel: ([x, c, s]) => rope(x, c, s),
    primitive: ([x, c, s]) => {
      const [x1, x2] = [
        op.slice(x, { starts: [0], ends: [2], axes: [3] }),
        op.slice(x, { starts: [2], ends: [4], axes: [3] }),
      ];
      const rot = op.concat([op.neg(x2), x1], -1);
      return op.add(op.mul(x, op.concat([c, c], -1)), op.mul(rot, op.concat([s, s], -1)));
    },
  },
  {
    // float32 runs onnxruntime's native RotaryEmbedding; float64 the composed body.
    name: "RopeHeads (heads-first, angles [B, T, D/2])",
    inputs: [{ name: "x", shape: [2, 3, 4, 6] }, { name: "cos", shape: [2, 4, 3] }, {
      name: "sin",
      shape: [2, 4, 3],
    }],
    kernel: ([x, c, s]) => ropeHeads(x, c, s),
    primitive: ([x, c, s]) => rope(x, op.unsqueeze(c, [1]), op.unsqueeze(s, [1])),
  },
  {
    name: "SwiGLU",
    inputs: [{ name: "g", shape: [2, 5] }, { name: "u", shape: [2, 5] }],
    kernel: ([g, u]) => swiglu(g, u),
    primitive: ([g, u]) => op.mul(op.div(g, op.add(op.exp(op.neg(g)), 1)), u),
  },
  {
    name: "Attention (4 heads over 2 kv heads, padding, causal)",
    inputs: [
      { name: "q", shape: [2, 4, 5, 3] },
      { name: "k", shape: [2, 2, 5, 3] },
      { name: "v", shape: [2, 2, 5, 3] },
      { name: "mask", shape: [2, 5], dtype: "int64", values: mask },
    ],
    kernel: ([q, k, v, m]) =>
      attention(q, k, v, attentionBias(m, op.constant(m, "int64", [], [5]), q.dtype), {
        numHeads: 4,
        numKvHeads: 2,
      }),
    primitive: ([q, k, v, m]) =>
      primitiveAttention(q, k, v, attentionBias(m, op.constant(m, "int64", [], [5]), q.dtype), 2),
  },
  {
    name: "Attention with a KV prefix (2 queries over 5 keys)",
    inputs: [
      { name: "q", shape: [2, 2, 2, 4] },
      { name: "k", shape: [2, 1, 5, 4] },
      { name: "v", shape: [2, 1, 5, 4] },
      { name: "mask", shape: [2, 5], dtype: "int64", values: mask },
    ],
    kernel: ([q, k, v, m]) =>
      attention(q, k, v, attentionBias(m, op.constant(m, "int64", [], [2]), q.dtype), {
        numHeads: 2,
        numKvHeads: 1,
      }),
    primitive: ([q, k, v, m]) =>
      primitiveAttention(q, k, v, attentionBias(m, op.constant(m, "int64", [], [2]), q.dtype), 2),
  },
  {
    name: "TokenLogprob",
    inputs: [{ name: "x", shape: [2, 3, 7] }, {
      name: "t",
      shape: [2, 3],
      dtype: "int64",
      values: [0, 6, 3, 3, 1, 6],
    }],
    kernel: ([x, t]) => tokenLogprob(x, t),
    primitive: ([x, t]) =>
      op.squeeze(op.gatherElements(op.logSoftmax(x, -1), op.unsqueeze(t, [-1]), -1), [-1]),
  },
  {
    name: "TokenEntropy",
    inputs: [{ name: "x", shape: [2, 3, 7] }],
    kernel: ([x]) => tokenEntropy(x),
    primitive: ([x]) => op.neg(op.reduceSum(op.mul(op.softmax(x, -1), op.logSoftmax(x, -1)), [-1])),
  },
];

for (const c of cases) {
  Deno.test(`${c.name} kernel gradient matches finite differences in float64`, async () => {
    const r = await gradCheck(c.inputs, c.kernel);
    for (const [k, e] of Object.entries(r.perInput)) assert.ok(e < 1e-7, `input ${k}: ${e}`);
  });

  Deno.test(`${c.name} kernel equals its primitive composition, value and gradient`, async () => {
    const a = await gradCheck(c.inputs, c.kernel, { maxElements: 1 });
    const b = await gradCheck(c.inputs, c.primitive, { maxElements: 1 });
    for (const key of Object.keys(a.outputs)) {
      const x = a.outputs[key].data as Float64Array, y = b.outputs[key].data as Float64Array;
      assert.equal(x.length, y.length, key);
      for (let i = 0; i < x.length; i++) {
        assert.ok(
          Math.abs(x[i] - y[i]) <= 1e-12 * (1 + Math.abs(y[i])),
          `${key}[${i}]: ${x[i]} vs ${y[i]}`,
        );
      }
    }
  });

  Deno.test(`${c.name} kernel in float32 matches float64 within 1e-5`, async () => {
    const run = async (dtype: "float32" | "float64") => {
      const g = new Graph();
      const xs = c.inputs.map((i) =>
        g.input(i.name, i.dtype === "float64" || !i.dtype ? dtype : i.dtype, i.shape)
      );
      g.output(c.kernel(xs), "y");
      // "basic": ORT's extended fusions (QuickGelu) have no float64 kernels.
      const s = await Session.create(encodeModel(g), {
        ep: "cpu",
        threads: 1,
        optimization: "basic",
      });
      const feeds: Record<string, HostTensor> = {};
      c.inputs.forEach((inp, i) => {
        const n = inp.shape.reduce((p, q) => p * q, 1);
        const vals = inp.values ?? randoms(n, 7 + 31 * i);
        feeds[inp.name] = inp.dtype === "int64"
          ? { dtype: "int64", shape: inp.shape, data: BigInt64Array.from(vals.map(BigInt)) }
          : {
            dtype,
            shape: inp.shape,
            data: dtype === "float32" ? Float32Array.from(vals) : Float64Array.from(vals),
          };
      });
      const out = (await s.run(feeds)).y.data as Float32Array | Float64Array;
      await s.release();
      return out;
    };
    const lo = await run("float32"), hi = await run("float64");
    for (let i = 0; i < hi.length; i++) {
      assert.ok(
        Math.abs(lo[i] - hi[i]) <= 1e-5 * (1 + Math.abs(hi[i])),
        `[${i}] ${lo[i]} vs ${hi[i]}`,
      );
    }
  });
}

Deno.test("AdamW kernel matches torch.optim.AdamW's update over three steps", async () => {
  const g = new Graph();
  const [p, gr, m, v] = ["p", "g", "m", "v"].map((n) => g.input(n, "float64", [4]));
  const lr = g.input("lr", "float64", []), step = g.input("step", "float64", []);
  const cfg = { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 };
  const [p2, m2, v2] = adamw(p, gr, m, v, lr, step, cfg);
  g.output(p2, "p2");
  g.output(m2, "m2");
  g.output(v2, "v2");
  const s = await Session.create(encodeModel(g), { ep: "cpu" });
  let P = [0.5, -1, 2, 0], M = [0, 0, 0, 0], V = [0, 0, 0, 0];
  const grads = [[0.1, -0.2, 0.3, 0], [0.05, 0.1, -0.4, 1], [-0.3, 0.2, 0.1, -1]];
  // Reference: torch.optim.AdamW semantics written out in plain JS.
  let rp = [...P], rm = [...M], rv = [...V];
  for (let t = 1; t <= 3; t++) {
    const G = grads[t - 1];
    const f = (a: number[]) => ({
      dtype: "float64" as const,
      shape: [4],
      data: Float64Array.from(a),
    });
    const out = await s.run({
      p: f(P),
      g: f(G),
      m: f(M),
      v: f(V),
      lr: { dtype: "float64", shape: [], data: Float64Array.from([1e-2]) },
      step: { dtype: "float64", shape: [], data: Float64Array.from([t]) },
    });
    P = [...out.p2.data as Float64Array],
      M = [...out.m2.data as Float64Array],
      V = [...out.v2.data as Float64Array];
    rp = rp.map((x) => x * (1 - 1e-2 * 0.1));
    rm = rm.map((x, i) => 0.9 * x + 0.1 * G[i]);
    rv = rv.map((x, i) => 0.95 * x + 0.05 * G[i] * G[i]);
    const bc1 = 1 - 0.9 ** t, bc2 = 1 - 0.95 ** t;
    rp = rp.map((x, i) => x - (1e-2 / bc1) * rm[i] / (Math.sqrt(rv[i]) / Math.sqrt(bc2) + 1e-8));
  }
  await s.release();
  P.forEach((x, i) => assert.ok(Math.abs(x - rp[i]) < 1e-14, `p[${i}] ${x} vs ${rp[i]}`));
  V.forEach((x, i) => assert.ok(Math.abs(x - rv[i]) < 1e-15));
});

Deno.test("kernels are encoded as model-local functions in the kit's domain", () => {
  const g = new Graph();
  const x = g.input("x", "float32", [2, 4]);
  const w = g.input("w", "float32", [4]);
  g.output(rmsNorm(rmsNorm(x, w, 1e-6), w, 1e-5), "y");
  const bytes = new TextDecoder("latin1").decode(encodeModel(g));
  assert.ok(bytes.includes("grlo.kit"));
  // Two epsilons: two function instances.
  assert.equal(
    g.nodes.filter((n) => n.def.opType === "RMSNorm").map((n) => n.opType).filter((v, i, a) =>
      a.indexOf(v) === i
    ).length,
    2,
  );
});

Deno.test("PrefixAttention equals Attention over the concatenated cache, also with an empty prefix", async () => {
  // 4 query heads over 2 kv heads, T = 2 new tokens after P = 3 cached ones (or P = 0).
  const g = new Graph();
  const q = g.input("q", "float64", [2, 4, 2, 3]);
  const kp = g.input("kp", "float64", [2, 2, "past", 3]);
  const vp = g.input("vp", "float64", [2, 2, "past", 3]);
  const kn = g.input("kn", "float64", [2, 2, 2, 3]);
  const vn = g.input("vn", "float64", [2, 2, 2, 3]);
  const m = g.input("mask", "int64", [2, "total"]);
  const bias = attentionBias(m, op.constant(m, "int64", [], [2]), "float64");
  const heads = { numHeads: 4, numKvHeads: 2 };
  g.output(prefixAttention(q, { key: kp, value: vp }, { key: kn, value: vn }, bias, heads), "o");
  const k = op.concat([kp, kn], 2), v = op.concat([vp, vn], 2);
  g.output(attention(q, k, v, bias, heads), "want");
  const s = await Session.create(encodeModel(g), { ep: "cpu" });
  for (const P of [3, 0]) {
    const f = (name: string, shape: number[], seed: number): [string, HostTensor] => [name, {
      dtype: "float64",
      shape,
      data: Float64Array.from(randoms(shape.reduce((a, b) => a * b, 1), seed)),
    }];
    const maskRows = P === 3 ? [0, 1, 1, 1, 1, 1, 1, 1, 1, 1] : [1, 1, 1, 1];
    const out = await s.run(Object.fromEntries([
      f("q", [2, 4, 2, 3], 1),
      f("kp", [2, 2, P, 3], 2),
      f("vp", [2, 2, P, 3], 3),
      f("kn", [2, 2, 2, 3], 4),
      f("vn", [2, 2, 2, 3], 5),
      ["mask", {
        dtype: "int64",
        shape: [2, P + 2],
        data: BigInt64Array.from(maskRows, (x) => BigInt(x)),
      }],
    ]));
    const [got, want] = [out.o.data as Float64Array, out.want.data as Float64Array];
    assert.equal(got.length, 2 * 4 * 2 * 3);
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-12, `P=${P} [${i}] ${got[i]} vs ${want[i]}`);
    }
  }
  await s.release();
});
