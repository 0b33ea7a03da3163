/**
 * Measures onnxruntime's fp32 MatMul peak on this machine (an N^3 product), the
 * reference that benchmarks quote their achieved GFLOP/s against.
 *
 * @module
 */

import { Graph } from "./ir.ts";
import { encodeModel } from "./onnx.ts";
import * as op from "./ops/mod.ts";
import { Session } from "./session.ts";

/** Options of {@link measureGemmPeak}. */
export interface GemmPeakOptions {
  /** Matrix size N of the N x N x N product. @default 2048 */
  size?: number;
  /** Intra-op threads. @default 2 */
  threads?: number;
  /** Timed runs (after one warm-up); the median is reported. @default 5 */
  runs?: number;
}

/** Median GFLOP/s of an fp32 N^3 MatMul in onnxruntime (CPU). */
export async function measureGemmPeak(options: GemmPeakOptions = {}): Promise<number> {
  const n = options.size ?? 2048;
  const g = new Graph("gemm_peak");
  const a = g.input("a", "float32", [n, n]);
  const b = g.input("b", "float32", [n, n]);
  g.output(op.matmul(a, b), "c");
  const s = await Session.create(encodeModel(g), { ep: "cpu", threads: options.threads ?? 2 });
  const data = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000);
  const feeds = {
    a: { dtype: "float32" as const, shape: [n, n], data },
    b: { dtype: "float32" as const, shape: [n, n], data },
  };
  await s.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < (options.runs ?? 5); i++) {
    const t0 = performance.now();
    await s.run(feeds);
    times.push(performance.now() - t0);
  }
  await s.release();
  times.sort((x, y) => x - y);
  const median = times[Math.floor(times.length / 2)] / 1000;
  return (2 * n ** 3) / median / 1e9;
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
