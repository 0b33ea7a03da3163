/**
 * `deno task bench rollout`: decode throughput of the kit's sampler (`lib/rollout`) on the
 * standard bench configs (DESIGN.md "Benchmarks"): distinct 64-token prompts at batch 1, 8
 * and 32, 128 new tokens each (eos ignored, temperature 1), fp32, 2 threads.
 *
 * Against the roofline, the lower of two bounds measured in the same run:
 * - memory bandwidth: a decode step must read every weight once (the tied embedding in full,
 *   as the lm_head) plus each row's KV cache (mean context 64 + 64 = 128 positions over the
 *   run), so with R rows per step the bound is `R * bandwidth / (weights + R * kv)` tokens/s.
 *   Bandwidth is the fastest of onnxruntime reading a 512 MB tensor (ReduceSum, same threads),
 *   a 256 MB TypedArray copy (read + write), and onnxruntime reading a tensor the size of the
 *   step's working set (which may sit in the cache: config S's 21 MB of weights does);
 *   the fastest makes the bound the strictest.
 * - compute: onnxruntime's fp32 MatMul peak (`measureGemmPeak`) over the FLOPs of a token
 *   (2 x matmul weights + QK^T and PV over the context).
 *
 * At batch 1 the bandwidth bound is the lower one; at batch 32 the two are close and neither is
 * reached, as onnxruntime's MatMul runs a 32-row product well below its peak. `--lengths
 * varied` makes rows stop at different lengths, as RL rows stop at eos, which exercises the
 * cache's compaction. The PyTorch eager anchor for the DESIGN.md comparison is measured
 * outside the project, the same day, with `qwen3_ref.py bench-decode` (shared/anchors).
 *
 * ```sh
 * deno task bench rollout                                  # S and M, batch 1, 8, 32
 * deno task bench rollout --configs M --batches 1 --runs 5
 * ```
 *
 * @module
 */

import { CliError, parseCli, positiveInt, runMain, splitList } from "../lib/cli.ts";
import { encodeModel, Graph, measureGemmPeak, median, op, Session } from "../lib/graph/mod.ts";
import {
  benchConfig,
  type BenchConfigName,
  forwardFlops,
  initParameters,
  type ModelConfig,
  parameterSpecs,
} from "../lib/model/mod.ts";
import { LocalGenerator } from "../lib/rollout/local.ts";
import { configsOption, peakSizeOption, providerOption } from "./_bench_options.ts";
import type { ExecutionProvider } from "../lib/graph/mod.ts";
import { byteLevelTokenizerFiles, createTokenizer } from "../lib/tokenizer/mod.ts";
import { RssPeak } from "../lib/util/proc.ts";

const spec = {
  command: "deno task bench rollout",
  summary: "Decode tokens/s of the batched KV-cache sampler vs the memory-bandwidth bound.",
  options: {
    configs: { type: "string", default: "S,M", valueName: "S,M", description: "bench configs" },
    batches: { type: "string", default: "1,8,32", valueName: "B,...", description: "batch sizes" },
    prompt: { type: "string", default: "64", valueName: "T", description: "prompt tokens" },
    new: { type: "string", default: "128", valueName: "N", description: "new tokens per sequence" },
    threads: { type: "string", default: "2", valueName: "N", description: "intra-op threads" },
    ep: {
      type: "string",
      default: "cpu",
      valueName: "cpu|cuda|webgpu",
      description: "execution provider (off the CPU only the compute bound is measured, on it)",
    },
    "peak-size": {
      type: "string",
      default: "auto",
      valueName: "N|auto",
      description: "N of the N^3 MatMul peak (auto: 2048 on the CPU provider, else 8192)",
    },
    lengths: {
      type: "string",
      default: "fixed",
      valueName: "fixed|varied",
      description: "varied: row b stops after N/4 + (37b mod 3N/4) tokens, as RL rows stop at eos",
    },
    runs: {
      type: "string",
      default: "3",
      valueName: "N",
      description: "timed runs after a warm-up",
    },
  },
  examples: [
    "deno task bench rollout --configs M --batches 1 --runs 5",
    "deno task bench rollout --configs M --batches 32 --lengths varied",
  ],
} as const;

/** One measurement, as printed on its JSON line. */
export interface RolloutBenchRecord {
  bench: "rollout";
  config: string;
  /** The execution provider. */
  ep: ExecutionProvider;
  batch: number;
  prompt: number;
  new_tokens: number;
  /** "fixed": every row makes `new_tokens`; "varied": rows stop at different lengths. */
  lengths: "fixed" | "varied";
  threads: number;
  /** Decode tokens/s: tokens sampled by decode steps over the time spent in them. */
  tokens_per_s: number;
  /** All new tokens over the whole call (prefill included). */
  e2e_tokens_per_s: number;
  prefill_ms: number;
  step_ms: number;
  /** Of `step_ms`, the host's part (sampling, cache writes, feeds), outside onnxruntime. */
  host_ms_per_step: number;
  weights_mb: number;
  /** KV bytes read per decode step at the mean context. */
  kv_mb_per_step: number;
  /** Rows per decode step, averaged over the steps (the batch, for fixed lengths). */
  rows_per_step: number;
  bandwidth_gbs: number;
  /** The memory-bandwidth bound: `rows * bandwidth / (weights + rows * kv)`. */
  bound_tokens_per_s: number;
  ratio_to_bound: number;
  /** FLOPs of one decode token at the mean context (2 x matmul weights + attention). */
  flops_per_token: number;
  /** onnxruntime's fp32 MatMul peak (N = 2048), GFLOP/s, measured in the same run. */
  gemm_peak_gflops: number;
  /** The compute bound: the MatMul peak over the FLOPs per token. */
  compute_bound_tokens_per_s: number;
  /** The roofline: the lower of the bandwidth and compute bounds. */
  roofline_tokens_per_s: number;
  ratio_to_roofline: number;
  peak_rss_mb: number;
}

/**
 * Read bandwidth of onnxruntime summing the rows of a large [4096, n] tensor (rows split over
 * the intra-op threads), GB/s, median of runs.
 */
async function ortReadBandwidth(threads: number, bytes = 512 * 2 ** 20): Promise<number> {
  const rows = 4096, cols = Math.max(1, Math.floor(bytes / 4 / rows));
  const g = new Graph("bandwidth");
  const x = g.input("x", "float32", [rows, cols]);
  g.output(op.reduceSum(x, [1]), "s");
  const s = await Session.create(encodeModel(g), { threads });
  const data = new Float32Array(rows * cols).fill(1);
  const feeds = { x: { dtype: "float32" as const, shape: [rows, cols], data } };
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  await s.release();
  return (4 * rows * cols) / median(times) / 1e9;
}

/** Copy bandwidth of a TypedArray copy, counting read + write (GB/s, median of runs). */
function copyBandwidth(bytes = 256 * 2 ** 20): number {
  const src = new Float32Array(bytes / 4).fill(1), dst = new Float32Array(bytes / 4);
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    dst.set(src);
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  return (2 * bytes) / median(times) / 1e9;
}

/** `--lengths varied`: row b makes N/4 + (37b mod (3N/4 + 1)) tokens, between N/4 and N. */
export function rowTokens(n: number, b: number): number {
  const q = Math.max(1, Math.floor(n / 4));
  return q + ((37 * b) % (n - q + 1));
}

/**
 * FLOPs of one decode token attending over `context` positions: 2 x the matmul weights (the
 * tied embedding as the lm_head) plus QK^T and PV over the context.
 */
export function decodeFlops(c: ModelConfig, context: number): number {
  return forwardFlops(c, 1, 1) + 4 * c.numHiddenLayers * c.numAttentionHeads * c.headDim *
      (context - 1);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Bytes of weights a decode step reads: every parameter once (a tied embedding as the lm_head). */
export function weightBytes(c: ModelConfig): number {
  return 4 * parameterSpecs(c).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** KV bytes one row reads at a context of `positions`. */
export function kvBytes(c: ModelConfig, positions: number): number {
  return 4 * 2 * c.numHiddenLayers * c.numKeyValueHeads * c.headDim * positions;
}

/** Runs the bench; prints the table and one JSON line per measurement; returns the records. */
export async function benchRollout(args: string[]): Promise<RolloutBenchRecord[]> {
  const cli = parseCli(args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return [];
  }
  const v = cli.values;
  const configs = configsOption(v.configs);
  const batches = splitList(v.batches).map((b) => positiveInt("batches", b));
  if (v.lengths !== "fixed" && v.lengths !== "varied") {
    throw new CliError(`--lengths: expected fixed or varied, got "${v.lengths}"`);
  }
  const lengths = v.lengths;
  const [P, N, threads, runs] = [
    positiveInt("prompt", v.prompt),
    positiveInt("new", v.new),
    positiveInt("threads", v.threads),
    positiveInt("runs", v.runs),
  ];
  const ep = providerOption(v.ep);
  const tokenizer = createTokenizer(byteLevelTokenizerFiles());

  const records: RolloutBenchRecord[] = [];
  for (const name of configs) {
    const config = benchConfig(name);
    const params = initParameters(config, { seed: 1 });
    for (const B of batches) {
      const gen = await LocalGenerator.create(config, params, tokenizer, {
        session: { threads, ep },
        maxBatch: B,
      });
      const requests = (salt: number) =>
        Array.from({ length: B }, (_, b) => ({
          promptIds: Array.from({ length: P }, (_, t) =>
            (salt * 7 + b * 7919 + t * 104729) % config.vocabSize),
          maxTokens: lengths === "fixed" ? N : rowTokens(N, b),
          temperature: 1,
          ignoreEos: true,
          seed: salt * 1000 + b,
        }));
      await gen.generate(requests(0)); // warm-up
      const rss = new RssPeak();
      rss.reset();
      const decode: number[] = [], e2e: number[] = [], prefill: number[] = [], steps: number[] = [];
      const host: number[] = [], rows: number[] = [], made: number[] = [];
      for (let r = 1; r <= runs; r++) {
        const before = gen.stats();
        const t0 = performance.now();
        await gen.generate(requests(r));
        const wall = (performance.now() - t0) / 1000;
        const after = gen.stats();
        rss.sample();
        const stepCount = after.decodeSteps - before.decodeSteps;
        const decodeS = (after.decodeMs - before.decodeMs) / 1000;
        const tokens = after.generatedTokens - before.generatedTokens;
        decode.push((tokens - B) / decodeS);
        e2e.push(tokens / wall);
        rows.push((tokens - B) / stepCount);
        made.push(tokens / B);
        prefill.push(after.prefillMs - before.prefillMs);
        steps.push((decodeS * 1000) / stepCount);
        host.push(
          (after.decodeMs - before.decodeMs - after.decodeModelMs + before.decodeModelMs) /
            stepCount,
        );
      }
      await gen.close();
      const tps = median(decode), rowsPerStep = median(rows);
      const context = P + median(made) / 2; // mean positions a step attends over
      records.push({
        bench: "rollout",
        config: name,
        ep,
        batch: B,
        prompt: P,
        new_tokens: N,
        lengths,
        threads,
        tokens_per_s: Math.round(tps * 10) / 10,
        e2e_tokens_per_s: Math.round(median(e2e) * 10) / 10,
        prefill_ms: Math.round(median(prefill) * 10) / 10,
        step_ms: Math.round(median(steps) * 100) / 100,
        host_ms_per_step: Math.round(median(host) * 100) / 100,
        weights_mb: round1(weightBytes(config) / 2 ** 20),
        kv_mb_per_step: round1((rowsPerStep * kvBytes(config, context)) / 2 ** 20),
        rows_per_step: round1(rowsPerStep),
        // the bounds are filled in below, once bandwidth and the MatMul peak are measured
        bandwidth_gbs: 0,
        bound_tokens_per_s: 0,
        ratio_to_bound: 0,
        flops_per_token: Math.round(decodeFlops(config, context)),
        gemm_peak_gflops: 0,
        compute_bound_tokens_per_s: 0,
        roofline_tokens_per_s: 0,
        ratio_to_roofline: 0,
        peak_rss_mb: rss.peakMb(),
      });
    }
  }
  // Bandwidth and the MatMul peak last, so their buffers do not sit in the decode runs' RSS.
  // Off the CPU provider, the host's memory bandwidth bounds nothing: only the compute bound
  // (the MatMul peak on that provider) is measured, and the bandwidth columns stay 0.
  const onCpu = ep === "cpu";
  const ortBw = onCpu ? await ortReadBandwidth(threads) : 0;
  const copyBw = onCpu ? copyBandwidth() : 0;
  const peak = await measureGemmPeak({
    session: { threads, ep },
    size: peakSizeOption(v["peak-size"], ep),
  });
  console.log(
    `${ep}: memory bandwidth: onnxruntime read ${ortBw.toFixed(1)} GB/s (${threads} threads, ` +
      `512 MB), TypedArray copy ${copyBw.toFixed(1)} GB/s (read+write); MatMul peak ${
        peak.toFixed(1)
      } GFLOP/s`,
  );
  for (const r of records) {
    const config = benchConfig(r.config as BenchConfigName);
    const stepBytes = weightBytes(config) + r.kv_mb_per_step * 2 ** 20;
    // A working set that fits in the cache reads faster than 512 MB from memory: the bound
    // takes the faster of the two reads (the stricter bound).
    const cached = onCpu ? await ortReadBandwidth(threads, stepBytes) : 0;
    const bandwidth = Math.max(ortBw, copyBw, cached);
    const bound = onCpu ? (r.rows_per_step * bandwidth * 1e9) / stepBytes : Infinity;
    const compute = (peak * 1e9) / r.flops_per_token;
    const roofline = Math.min(bound, compute);
    r.bandwidth_gbs = round1(bandwidth);
    r.bound_tokens_per_s = onCpu ? round1(bound) : 0;
    r.ratio_to_bound = onCpu ? Math.round((r.tokens_per_s / bound) * 1000) / 1000 : 0;
    r.gemm_peak_gflops = round1(peak);
    r.compute_bound_tokens_per_s = round1(compute);
    r.roofline_tokens_per_s = round1(roofline);
    r.ratio_to_roofline = Math.round((r.tokens_per_s / roofline) * 1000) / 1000;
  }
  const head = [
    "config",
    "batch",
    "decode tok/s",
    "e2e tok/s",
    "step ms",
    "host ms",
    "prefill ms",
    "bw bound",
    "ratio",
    "flop bound",
    "roofline",
    "rss MB",
  ];
  console.log(head.map((h, i) => i < 2 ? h.padEnd(7) : h.padStart(13)).join(""));
  for (const r of records) {
    const cells = [
      r.tokens_per_s,
      r.e2e_tokens_per_s,
      r.step_ms,
      r.host_ms_per_step,
      r.prefill_ms,
      r.bound_tokens_per_s,
      r.ratio_to_bound,
      r.compute_bound_tokens_per_s,
      r.ratio_to_roofline,
      r.peak_rss_mb,
    ];
    console.log(
      r.config.padEnd(7) + String(r.batch).padEnd(7) +
        cells.map((c) => String(c).padStart(13)).join(""),
    );
  }
  for (const r of records) console.log(JSON.stringify(r));
  return records;
}

if (import.meta.main) {
  await runMain(async () => {
    await benchRollout(Deno.args);
    return 0;
  });
}
