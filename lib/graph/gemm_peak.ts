/**
 * Measures onnxruntime's fp32 MatMul peak on this machine (an N^3 product), the
 * reference that benchmarks quote their achieved GFLOP/s against.
 *
 * @module
 */

import { cpuSeconds } from "../util/proc.ts";
import { Graph } from "./ir.ts";
import { encodeModel } from "./onnx.ts";
import * as op from "./ops/mod.ts";
import { Session, type SessionOptions } from "./session.ts";

/** Options of {@link measureGemm}. */
export interface GemmPeakOptions {
  /** Matrix size N of the N x N x N product. @default 2048 */
  size?: number;
  /** Intra-op threads (ignored when `session` is given). @default 2 */
  threads?: number;
  /** Timed runs (after one warm-up); the median is reported. @default 5 */
  runs?: number;
  /** Session options (provider, threads, config entries). @default CPU with `threads` */
  session?: SessionOptions;
}

/** The MatMul peak: GFLOP per wall second and per CPU second (medians). */
export interface GemmPeak {
  /** GFLOP per wall-clock second. */
  wall: number;
  /** GFLOP per second of this process's CPU time (all threads). */
  cpu: number;
}

/**
 * Median GFLOP/s of an fp32 N^3 MatMul in onnxruntime, per wall second and per CPU second.
 *
 * @param options size, threads, runs, session options
 * @returns both rates
 */
export async function measureGemm(options: GemmPeakOptions = {}): Promise<GemmPeak> {
  const n = options.size ?? 2048;
  const g = new Graph("gemm_peak");
  const a = g.input("a", "float32", [n, n]);
  const b = g.input("b", "float32", [n, n]);
  g.output(op.matmul(a, b), "c");
  const session = options.session ?? { ep: "cpu", threads: options.threads ?? 2 };
  const s = await Session.create(encodeModel(g), session);
  const data = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000);
  const feeds = {
    a: { dtype: "float32" as const, shape: [n, n], data },
    b: { dtype: "float32" as const, shape: [n, n], data },
  };
  await s.run(feeds);
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < (options.runs ?? 5); i++) {
    const c0 = cpuSeconds(), t0 = performance.now();
    await s.run(feeds);
    wall.push((performance.now() - t0) / 1000);
    cpu.push(cpuSeconds() - c0);
  }
  await s.release();
  const flops = 2 * n ** 3;
  return { wall: flops / median(wall) / 1e9, cpu: flops / Math.max(median(cpu), 0.01) / 1e9 };
}

/**
 * Median GFLOP per wall second of an fp32 N^3 MatMul in onnxruntime (the wall half of
 * {@link measureGemm}).
 *
 * @param options size, threads, runs, session options
 * @returns GFLOP/s
 */
export async function measureGemmPeak(options: GemmPeakOptions = {}): Promise<number> {
  return (await measureGemm(options)).wall;
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
