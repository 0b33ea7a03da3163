/**
 * `deno task bench graph`: one Qwen3-shaped transformer block (config M's block: hidden 512,
 * 8 heads over 4 kv heads, head_dim 64, intermediate 1536), forward + backward + AdamW as
 * one train-step graph, seq 256 x batch 4, fp32, 2 threads. Prints tokens/s, achieved
 * GFLOP/s and the ratio to onnxruntime's fp32 GEMM peak measured in the same run.
 *
 * Usage: deno task bench graph [--runs N] [--profile]   (profile: onnxruntime trace in /tmp)
 *
 * @module
 */

import { attention, attentionBias, rmsNorm, rope, swiglu } from "../kernels/mod.ts";
import {
  buildTrainArtifacts,
  type Graph,
  type HostTensor,
  measureGemmPeak,
  median,
  op,
  type ParamEntry,
  TrainRunner,
  type Value,
} from "../lib/graph/mod.ts";
import { RssPeak } from "../lib/util/proc.ts";

const B = 4, T = 256, H = 512, HQ = 8, HKV = 4, D = 64, F = 1536;

function blockParams(): ParamEntry[] {
  return [
    { name: "norm1", shape: [H] },
    { name: "wq", shape: [H, HQ * D] },
    { name: "wk", shape: [H, HKV * D] },
    { name: "wv", shape: [H, HKV * D] },
    { name: "wo", shape: [HQ * D, H] },
    { name: "norm2", shape: [H] },
    { name: "gate", shape: [H, F] },
    { name: "up", shape: [H, F] },
    { name: "down", shape: [F, H] },
  ];
}

function blockLoss(g: Graph, P: Map<string, Value>): Value {
  const x = g.input("x", "float32", [B, T, H]);
  const target = g.input("target", "float32", [B, T, H]);
  const mask = op.constant(x, "int64", [B, T], new Array(B * T).fill(1));
  const bias = attentionBias(mask, op.constant(x, "int64", [], [T]), "float32");
  const cos = g.input("cos", "float32", [T, D / 2]), sin = g.input("sin", "float32", [T, D / 2]);
  const heads = (v: Value, n: number) => op.transpose(op.reshape(v, [B, T, n, D]), [0, 2, 1, 3]); // [B,n,T,D]
  const w = (k: string) => P.get(k)!;
  const h = rmsNorm(x, w("norm1"), 1e-6);
  const q = rope(heads(op.matmul(h, w("wq")), HQ), cos, sin);
  const k = rope(heads(op.matmul(h, w("wk")), HKV), cos, sin);
  const v = heads(op.matmul(h, w("wv")), HKV);
  const o = attention(q, k, v, bias, { numHeads: HQ, numKvHeads: HKV });
  const y1 = op.add(
    x,
    op.matmul(op.reshape(op.transpose(o, [0, 2, 1, 3]), [B, T, HQ * D]), w("wo")),
  );
  const h2 = rmsNorm(y1, w("norm2"), 1e-6);
  const y = op.add(
    y1,
    op.matmul(swiglu(op.matmul(h2, w("gate")), op.matmul(h2, w("up"))), w("down")),
  );
  const diff = op.sub(y, target);
  return op.reduceMean(op.mul(diff, diff), [0, 1, 2]);
}

/** Forward FLOPs of the block (matmuls + attention products). */
function forwardFlops(): number {
  const tokens = B * T;
  const proj = H * (HQ * D + 2 * HKV * D) + HQ * D * H + 3 * H * F;
  const attn = 2 * HQ * T * D; // QK^T and PV per query token (causal half not exploited)
  return 2 * tokens * proj + 2 * tokens * attn;
}

/** Runs the bench; returns the JSON record it prints. */
export async function benchGraph(args: string[] = []): Promise<Record<string, unknown>> {
  const runs = Number(args[args.indexOf("--runs") + 1]) || 5;
  const peak = await measureGemmPeak({ size: 2048, threads: 2 });
  const artifacts = await buildTrainArtifacts({
    params: blockParams(),
    build: (g, P) => ({ loss: blockLoss(g, P) }),
  });
  const rnd = (n: number, scale: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * scale);
  const init = new Map(
    blockParams().map((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      return [
        p.name,
        p.shape.length === 1 ? new Float32Array(n).fill(1) : rnd(n, 1 / Math.sqrt(p.shape[0])),
      ];
    }),
  );
  const profile = args.includes("--profile") ? "/tmp/grlo-graph-bench" : undefined;
  const runner = TrainRunner.create(artifacts, init, {
    ep: "cpu",
    threads: 2,
    profilePrefix: profile,
  });
  const cos = new Float32Array(T * D / 2), sin = new Float32Array(T * D / 2);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < D / 2; i++) {
      const a = t / 1e6 ** (2 * i / D);
      cos[t * D / 2 + i] = Math.cos(a);
      sin[t * D / 2 + i] = Math.sin(a);
    }
  }
  const batch: Record<string, HostTensor> = {
    x: { dtype: "float32", shape: [B, T, H], data: rnd(B * T * H, 1) },
    target: { dtype: "float32", shape: [B, T, H], data: rnd(B * T * H, 0.5) },
    cos: { dtype: "float32", shape: [T, D / 2], data: cos },
    sin: { dtype: "float32", shape: [T, D / 2], data: sin },
  };
  await runner.step(batch, 1e-4); // warm-up
  const times: number[] = [];
  const rss = new RssPeak();
  rss.reset();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await runner.step(batch, 1e-4);
    times.push((performance.now() - t0) / 1000);
    rss.sample();
  }
  await runner.release();
  const sec = median(times);
  const gflops = (3 * forwardFlops()) / sec / 1e9;
  const record = {
    bench: "graph",
    config: "M-block",
    batch: B,
    seq: T,
    tokens_per_s: Math.round((B * T) / sec * 10) / 10,
    step_ms: Math.round(sec * 10000) / 10,
    gflops: Math.round(gflops * 10) / 10,
    peak_gflops: Math.round(peak * 10) / 10,
    ratio_to_peak: Math.round((gflops / peak) * 1000) / 1000,
    peak_rss_mb: rss.peakMb(),
  };
  console.log(
    `transformer block train step (hidden ${H}, ${HQ}/${HKV} heads, ffn ${F}, batch ${B} x seq ${T}, fp32, 2 threads)\n` +
      `  step ${record.step_ms} ms | ${record.tokens_per_s} tokens/s | ${record.gflops} GFLOP/s | ` +
      `GEMM peak ${record.peak_gflops} GFLOP/s | ratio ${record.ratio_to_peak} | peak RSS ${record.peak_rss_mb} MB`,
  );
  console.log(JSON.stringify(record));
  return record;
}

if (import.meta.main) await benchGraph(Deno.args);
