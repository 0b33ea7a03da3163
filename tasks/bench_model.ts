/**
 * `deno task bench model`: the Qwen3 model graphs on the standard bench configs S and M
 * (DESIGN.md "Benchmarks"): forward (per-token log-probs + entropy, what RL scores with) and
 * a full train step (next-token loss, backward, AdamW on every parameter), batch 4 x seq 256,
 * fp32, 2 threads. Reports tokens/s, achieved GFLOP/s (2 x matmul parameters x tokens plus
 * the attention products; x3 for a train step), the ratio to onnxruntime's fp32 MatMul peak
 * measured in the same run, and peak RSS.
 *
 * ```sh
 * deno task bench model                       # S and M, forward and train
 * deno task bench model --configs M --runs 5 --profile   # onnxruntime trace + top ops
 * ```
 *
 * @module
 */

import { CliError, parseCli, splitList } from "../lib/cli.ts";
import {
  buildTrainArtifacts,
  encodeModel,
  type HostTensor,
  measureGemmPeak,
  median,
  Session,
  TrainRunner,
} from "../lib/graph/mod.ts";
import {
  benchConfig,
  buildCausalLmGraph,
  initParameters,
  lmTrainSpec,
  type ModelConfig,
  padBatch,
  parameterSpecs,
} from "../lib/model/mod.ts";
import { summarizeProfile } from "./_ort_profile.ts";

const spec = {
  command: "deno task bench model",
  summary: "Forward and train-step throughput of the Qwen3 graphs on bench configs S and M.",
  options: {
    configs: { type: "string", default: "S,M", valueName: "S,M", description: "bench configs" },
    runs: {
      type: "string",
      default: "5",
      valueName: "N",
      description: "timed runs after a warm-up",
    },
    batch: { type: "string", default: "4", valueName: "B", description: "sequences per batch" },
    seq: { type: "string", default: "256", valueName: "T", description: "tokens per sequence" },
    threads: { type: "string", default: "2", valueName: "N", description: "intra-op threads" },
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
  /** Bytes the step must hold: parameters (+ gradients and AdamW moments when training). */
  state_mb: number;
  session_s: number;
}

/** Forward FLOPs: 2 x matmul parameters x tokens + the QK^T and PV products (full square). */
export function forwardFlops(c: ModelConfig, batch: number, seq: number): number {
  const linear = parameterSpecs(c)
    .filter((s) => s.kind === "linear")
    .reduce((n, s) => n + s.shape[0] * s.shape[1], 0);
  const head = c.tieWordEmbeddings ? c.vocabSize * c.hiddenSize : 0; // tied: the embedding is the head
  const attention = c.numHiddenLayers * 2 * 2 * c.numAttentionHeads * seq * seq * c.headDim;
  return 2 * (linear + head) * batch * seq + attention * batch;
}

/** Peak RSS since the last reset: VmHWM (reset through clear_refs), else the sampled RSS. */
class RssPeak {
  private sampled = 0;
  reset(): void {
    this.sampled = Deno.memoryUsage().rss;
    try {
      Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    } catch { /* not Linux: sampling only */ }
  }
  sample(): void {
    this.sampled = Math.max(this.sampled, Deno.memoryUsage().rss);
  }
  peakMb(): number {
    let hwm = 0;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
      if (m) hwm = Number(m[1]) * 1024;
    } catch { /* not Linux */ }
    return Math.round(Math.max(hwm, this.sampled) / 2 ** 20);
  }
}

async function timed(runs: number, rss: RssPeak, step: () => Promise<unknown>): Promise<number> {
  await step(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await step();
    times.push((performance.now() - t0) / 1000);
    rss.sample();
  }
  return median(times);
}

function lmBatch(c: ModelConfig, batch: number, seq: number): Record<string, HostTensor> {
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
  name: "S" | "M",
  mode: "forward" | "train",
  o: { batch: number; seq: number; threads: number; runs: number; peak: number; profile: boolean },
): Promise<ModelBenchRecord> {
  const c = benchConfig(name);
  const params = initParameters(c, { seed: 1 });
  const paramBytes = [...params.values()].reduce((n, t) => n + t.data.byteLength, 0);
  const feeds = lmBatch(c, o.batch, o.seq);
  const profilePrefix = o.profile ? `/tmp/grlo-bench-model-${name}-${mode}` : undefined;
  const sessionOptions = { ep: "cpu" as const, threads: o.threads, profilePrefix };
  const rss = new RssPeak();
  rss.reset();
  let seconds: number, sessionSeconds: number;
  const t0 = performance.now();
  if (mode === "forward") {
    const s = await Session.create(
      encodeModel(buildCausalLmGraph(c, { output: "logprobs" })),
      sessionOptions,
    );
    sessionSeconds = (performance.now() - t0) / 1000;
    for (const [k, t] of params) feeds[k] = { dtype: "float32", shape: t.shape, data: t.data };
    const { loss_mask: _, ...forwardFeeds } = feeds;
    seconds = await timed(o.runs, rss, () => s.run(forwardFeeds));
    await s.release();
  } else {
    const artifacts = await buildTrainArtifacts(lmTrainSpec(c, { maxGradNorm: 1 }));
    const runner = TrainRunner.create(
      artifacts,
      new Map([...params].map(([k, t]) => [k, t.data])),
      sessionOptions,
    );
    await runner.step(feeds, 1e-5); // creates the session (timed separately from the warm-up)
    sessionSeconds = (performance.now() - t0) / 1000;
    seconds = await timed(o.runs, rss, () => runner.step(feeds, 1e-5));
    await runner.release();
  }
  const flops = forwardFlops(c, o.batch, o.seq) * (mode === "train" ? 3 : 1);
  const gflops = flops / seconds / 1e9;
  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    bench: "model",
    config: name,
    mode,
    batch: o.batch,
    seq: o.seq,
    threads: o.threads,
    tokens_per_s: round((o.batch * o.seq) / seconds),
    step_ms: round(seconds * 1000),
    gflops: round(gflops),
    peak_gflops: round(o.peak),
    ratio_to_peak: round(gflops / o.peak, 3),
    peak_rss_mb: rss.peakMb(),
    state_mb: Math.round((mode === "train" ? 4 : 1) * paramBytes / 2 ** 20),
    session_s: round(sessionSeconds, 2),
  };
}

/** Runs the bench; prints the table and one JSON line per measurement; returns the records. */
export async function benchModel(args: string[] = []): Promise<ModelBenchRecord[]> {
  const cli = parseCli(args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return [];
  }
  const int = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new CliError(`--${flag}: expected a positive integer, got "${v}"`);
    }
    return n;
  };
  const configs = splitList(cli.values.configs);
  for (const c of configs) {
    if (c !== "S" && c !== "M") throw new CliError(`--configs: unknown config "${c}" (S, M)`);
  }
  const o = {
    batch: int(cli.values.batch, "batch"),
    seq: int(cli.values.seq, "seq"),
    threads: int(cli.values.threads, "threads"),
    runs: int(cli.values.runs, "runs"),
    profile: cli.values.profile,
    peak: await measureGemmPeak({ size: 2048, threads: int(cli.values.threads, "threads") }),
  };
  console.log(`fp32 MatMul peak (2048^3, ${o.threads} threads): ${o.peak.toFixed(1)} GFLOP/s`);
  console.log(
    "config mode     tokens/s   step ms   GFLOP/s  ratio  peak RSS MB  state MB  session s",
  );
  const records: ModelBenchRecord[] = [];
  for (const name of configs as ("S" | "M")[]) {
    for (const mode of ["forward", "train"] as const) {
      const r = await benchOne(name, mode, o);
      records.push(r);
      console.log(
        `${r.config.padEnd(7)}${r.mode.padEnd(9)}${String(r.tokens_per_s).padStart(9)}${
          String(r.step_ms).padStart(10)
        }` +
          `${String(r.gflops).padStart(10)}${r.ratio_to_peak.toFixed(3).padStart(7)}${
            String(r.peak_rss_mb).padStart(13)
          }` +
          `${String(r.state_mb).padStart(10)}${String(r.session_s).padStart(11)}`,
      );
      if (o.profile) console.log(await summarizeProfile(`/tmp/grlo-bench-model-${name}-${mode}`));
    }
  }
  for (const r of records) console.log(JSON.stringify(r));
  return records;
}

if (import.meta.main) await benchModel(Deno.args);
