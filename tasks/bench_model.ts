/**
 * `deno task bench model`: the Qwen3 model graphs on the standard bench configs S and M
 * (DESIGN.md "Benchmarks"): forward (per-token log-probs + entropy, what RL scores with) and
 * a full train step (next-token loss, backward, AdamW on every parameter), batch 4 x seq 256,
 * fp32, 2 threads. Reports tokens/s, achieved GFLOP/s (2 x matmul parameters x tokens plus
 * the attention products; x3 for a train step), the ratio to onnxruntime's fp32 MatMul peak
 * measured in the same run (just before and after each measurement; the larger is used), and
 * peak RSS (VmHWM, reset per measurement).
 *
 * On a shared machine wall times swing with other processes' load, so every step also
 * records the process CPU time: `cpu_ratio_to_peak` compares FLOPs per CPU-second with the
 * MatMul peak's FLOPs per CPU-second. onnxruntime's worker threads spin between ops (its
 * default, and 15% faster here than without), so CPU time includes spinning and this ratio
 * is only a rough cross-check of the wall ratio. The 1-minute load average is printed.
 *
 * ```sh
 * deno task bench model                       # S and M, forward and train
 * deno task bench model --configs M --runs 5 --profile   # onnxruntime trace + top ops
 * ```
 *
 * @module
 */

import { CliError, parseCli, positiveInt } from "../lib/cli.ts";
import {
  buildTrainArtifacts,
  encodeModel,
  type ExecutionProvider,
  type HostTensor,
  measureGemm,
  median,
  Session,
  type SessionOptions,
  TrainRunner,
} from "../lib/graph/mod.ts";
import {
  benchConfig,
  type BenchConfigName,
  buildCausalLmGraph,
  forwardFlops,
  initParameters,
  lmTrainSpec,
  type ModelConfig,
  padBatch,
} from "../lib/model/mod.ts";
import { cpuSeconds, RssPeak } from "../lib/util/proc.ts";
import { summarizeProfile } from "./_ort_profile.ts";
import { configsOption, peakSizeOption, providerOption } from "./_bench_options.ts";

const spec = {
  command: "deno task bench model",
  summary: "Forward and train-step throughput of the Qwen3 graphs on bench configs S and M.",
  options: {
    configs: {
      type: "string",
      default: "S,M",
      valueName: "S,M,0.6B",
      description: "bench configs (0.6B: Qwen3-0.6B's shape, for GPU providers)",
    },
    ep: {
      type: "string",
      default: "cpu",
      valueName: "cpu|cuda|webgpu",
      description: "execution provider; the MatMul peak is measured on the same one",
    },
    "peak-size": {
      type: "string",
      default: "auto",
      valueName: "N|auto",
      description: "N of the N^3 MatMul peak (auto: 2048 on the CPU provider, else 8192)",
    },
    runs: {
      type: "string",
      default: "5",
      valueName: "N",
      description: "timed runs after a warm-up",
    },
    batch: { type: "string", default: "4", valueName: "B", description: "sequences per batch" },
    seq: { type: "string", default: "256", valueName: "T", description: "tokens per sequence" },
    threads: { type: "string", default: "2", valueName: "N", description: "intra-op threads" },
    optimizer: {
      type: "string",
      default: "auto",
      valueName: "auto|graph|host",
      description: "train step: where AdamW runs (auto: the runner's default)",
    },
    profile: {
      type: "boolean",
      description: "write onnxruntime traces to /tmp and print the top op types",
    },
  },
  examples: ["deno task bench model --configs M --runs 5"],
} as const;

/** One measurement, as printed on its JSON line. */
export interface ModelBenchRecord {
  bench: "model";
  config: string;
  /** The execution provider. */
  ep: ExecutionProvider;
  mode: "forward" | "train";
  batch: number;
  seq: number;
  threads: number;
  tokens_per_s: number;
  step_ms: number;
  gflops: number;
  peak_gflops: number;
  ratio_to_peak: number;
  peak_rss_mb: number;
  /** Median process CPU time per step (all threads). */
  cpu_ms: number;
  /** GFLOP per CPU-second over the MatMul peak's GFLOP per CPU-second. */
  cpu_ratio_to_peak: number;
  /** Bytes the step must hold: parameters (+ gradients and AdamW moments when training). */
  state_mb: number;
  session_s: number;
}

/** Median wall and CPU seconds of `runs` calls after a warm-up. */
async function timed(
  runs: number,
  rss: RssPeak,
  step: () => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> {
  await step(); // warm-up
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = cpuSeconds(), t0 = performance.now();
    await step();
    wall.push((performance.now() - t0) / 1000);
    cpu.push(cpuSeconds() - c0);
    rss.sample();
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** The bench's synthetic next-token batch (also used by `bench profile`). */
export function lmBatch(c: ModelConfig, batch: number, seq: number): Record<string, HostTensor> {
  const rows = Array.from(
    { length: batch },
    (_, b) => Array.from({ length: seq + 1 }, (_, t) => (b * 7919 + t * 104729) % c.vocabSize),
  );
  const tokens = padBatch(rows.map((r) => r.slice(0, seq)));
  const targets = BigInt64Array.from(rows.flatMap((r) => r.slice(1)), (x) => BigInt(x));
  return {
    ...tokens.feeds,
    targets: { dtype: "int64", shape: [batch, seq], data: targets },
    loss_mask: {
      dtype: "float32",
      shape: [batch, seq],
      data: new Float32Array(batch * seq).fill(1),
    },
  };
}

async function benchOne(
  name: BenchConfigName,
  mode: "forward" | "train",
  o: {
    batch: number;
    seq: number;
    threads: number;
    runs: number;
    profile: boolean;
    optimizer?: "graph" | "host";
    ep: ExecutionProvider;
  },
  peak: () => Promise<{ wall: number; cpu: number }>,
): Promise<ModelBenchRecord> {
  const c = benchConfig(name);
  const params = initParameters(c, { seed: 1 });
  const paramBytes = [...params.values()].reduce((n, t) => n + t.data.byteLength, 0);
  const feeds = lmBatch(c, o.batch, o.seq);
  const profilePrefix = o.profile ? `/tmp/grlo-bench-model-${name}-${mode}` : undefined;
  const sessionOptions = { ...benchSession(o.threads, o.ep), profilePrefix };
  const before = await peak();
  const rss = new RssPeak();
  rss.reset();
  let t: { wall: number; cpu: number }, sessionSeconds: number;
  const t0 = performance.now();
  if (mode === "forward") {
    const s = await Session.create(
      encodeModel(buildCausalLmGraph(c, { output: "logprobs" })),
      sessionOptions,
    );
    sessionSeconds = (performance.now() - t0) / 1000;
    for (const [k, t] of params) feeds[k] = { dtype: "float32", shape: t.shape, data: t.data };
    const { loss_mask: _, ...forwardFeeds } = feeds;
    t = await timed(o.runs, rss, () => s.run(forwardFeeds));
    await s.release();
  } else {
    const artifacts = await buildTrainArtifacts(lmTrainSpec(c, { maxGradNorm: 1 }));
    const runner = TrainRunner.create(
      artifacts,
      new Map([...params].map(([k, t]) => [k, t.data])),
      { ...sessionOptions, optimizer: o.optimizer },
    );
    await runner.step(feeds, 1e-5); // creates the session (timed separately from the warm-up)
    sessionSeconds = (performance.now() - t0) / 1000;
    t = await timed(o.runs, rss, () => runner.step(feeds, 1e-5));
    await runner.release();
  }
  const peakMb = rss.peakMb();
  const after = await peak();
  // The larger of the peaks measured just before and just after: load from other processes
  // lowers a peak, so the larger one is the conservative reference.
  const p = { wall: Math.max(before.wall, after.wall), cpu: Math.max(before.cpu, after.cpu) };
  const flops = forwardFlops(c, o.batch, o.seq) * (mode === "train" ? 3 : 1);
  const gflops = flops / t.wall / 1e9;
  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    bench: "model",
    config: name,
    ep: o.ep,
    mode,
    batch: o.batch,
    seq: o.seq,
    threads: o.threads,
    tokens_per_s: round((o.batch * o.seq) / t.wall),
    step_ms: round(t.wall * 1000),
    gflops: round(gflops),
    peak_gflops: round(p.wall),
    ratio_to_peak: round(gflops / p.wall, 3),
    peak_rss_mb: peakMb,
    cpu_ms: round(t.cpu * 1000),
    cpu_ratio_to_peak: round(flops / Math.max(t.cpu, 0.01) / 1e9 / p.cpu, 3),
    state_mb: Math.round((mode === "train" ? 4 : 1) * paramBytes / 2 ** 20),
    session_s: round(sessionSeconds, 2),
  };
}

/** Session options of every bench session: the provider (CPU by default) and fixed threads. */
function benchSession(threads: number, ep: ExecutionProvider): SessionOptions {
  // onnxruntime's defaults (spinning worker threads) except the arena, which the train
  // runner disables: measured on config M train, spinning off cost 15% and the arena 700 MB.
  return { ep, threads };
}

function optimizerOption(v: string): "graph" | "host" | undefined {
  if (v === "auto") return undefined;
  if (v === "graph" || v === "host") return v;
  throw new CliError(`--optimizer: "${v}" is not auto, graph or host`);
}

/** Runs the bench; prints the table and one JSON line per measurement; returns the records. */
export async function benchModel(args: string[] = []): Promise<ModelBenchRecord[]> {
  const cli = parseCli(args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return [];
  }
  const configs = configsOption(cli.values.configs);
  const o = {
    batch: positiveInt("batch", cli.values.batch),
    seq: positiveInt("seq", cli.values.seq),
    threads: positiveInt("threads", cli.values.threads),
    ep: providerOption(cli.values.ep),
    runs: positiveInt("runs", cli.values.runs),
    profile: cli.values.profile,
    optimizer: optimizerOption(cli.values.optimizer),
  };
  // A GPU's peak needs a larger product than a 2-core CPU's (and its inputs cross the bus).
  const peakSize = peakSizeOption(cli.values["peak-size"], o.ep);
  const peak = () =>
    measureGemm({ session: benchSession(o.threads, o.ep), runs: 3, size: peakSize });
  const load = () => Deno.loadavg()[0].toFixed(2);
  console.log(
    `batch ${o.batch} x seq ${o.seq}, fp32, ${o.ep}, ${o.threads} threads; ratios against the fp32 ` +
      `MatMul peak (${peakSize}^3) measured before and after each measurement; load average ${load()}`,
  );
  const columns: [string, (r: ModelBenchRecord) => string][] = [
    ["config", (r) => r.config],
    ["mode", (r) => r.mode],
    ["tokens/s", (r) => String(r.tokens_per_s)],
    ["step ms", (r) => String(r.step_ms)],
    ["GFLOP/s", (r) => String(r.gflops)],
    ["peak GF/s", (r) => String(r.peak_gflops)],
    ["ratio", (r) => r.ratio_to_peak.toFixed(3)],
    ["cpu ms", (r) => String(r.cpu_ms)],
    ["cpu ratio", (r) => r.cpu_ratio_to_peak.toFixed(3)],
    ["peak RSS MB", (r) => String(r.peak_rss_mb)],
    ["state MB", (r) => String(r.state_mb)],
    ["session s", (r) => String(r.session_s)],
  ];
  const row = (cells: string[]) =>
    cells.map((c, i) => c.padStart(i < 2 ? 0 : 12).padEnd(i < 2 ? 8 : 0)).join("");
  console.log(row(columns.map(([h]) => h)));
  const records: ModelBenchRecord[] = [];
  for (const name of configs) {
    for (const mode of ["forward", "train"] as const) {
      const r = await benchOne(name, mode, o, peak);
      records.push(r);
      console.log(row(columns.map(([, f]) => f(r))));
      if (o.profile) console.log(await summarizeProfile(`/tmp/grlo-bench-model-${name}-${mode}`));
    }
  }
  console.log(`load average at the end: ${load()}`);
  for (const r of records) console.log(JSON.stringify(r));
  return records;
}

if (import.meta.main) await benchModel(Deno.args);
