/**
 * `deno task bench rollout`: decode throughput of the kit's sampler (`lib/rollout`) on the
 * standard bench configs (DESIGN.md "Benchmarks"): distinct 64-token prompts at batch 1, 8
 * and 32, 128 new tokens each (eos ignored, temperature 1), fp32, 2 threads.
 *
 * Against the memory-bandwidth bound: a decode step must read every weight once (the tied
 * embedding in full, as the lm_head) plus each row's KV cache (mean context 64 + 64 = 128
 * positions over the run), so at batch B the bound is `B * bandwidth / (weights + B * kv)`
 * tokens/s. Bandwidth is measured in the same run: onnxruntime reading a 512 MB tensor
 * (ReduceSum, same threads) and a 256 MB TypedArray copy (read + write); the higher of the
 * two is used, which makes the bound the stricter one.
 *
 * At batch 32 a step is bound by compute (the MatMuls), not bandwidth, so the ratio there
 * only says how far from the bandwidth bound it is. The PyTorch eager anchor for the DESIGN.md
 * comparison is measured outside the project, the same day, with `qwen3_ref.py bench-decode`
 * (shared/anchors).
 *
 * ```sh
 * deno task bench rollout                                  # S and M, batch 1, 8, 32
 * deno task bench rollout --configs M --batches 1 --runs 5
 * ```
 *
 * @module
 */

import { CliError, parseCli, positiveInt, runMain, splitList } from "../lib/cli.ts";
import { encodeModel, Graph, median, op, Session } from "../lib/graph/mod.ts";
import { benchConfig, initParameters, type ModelConfig, parameterSpecs } from "../lib/model/mod.ts";
import { LocalGenerator } from "../lib/rollout/local.ts";
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
    runs: {
      type: "string",
      default: "3",
      valueName: "N",
      description: "timed runs after a warm-up",
    },
  },
  examples: ["deno task bench rollout --configs M --batches 1 --runs 5"],
} as const;

/** One measurement, as printed on its JSON line. */
export interface RolloutBenchRecord {
  bench: "rollout";
  config: string;
  batch: number;
  prompt: number;
  new_tokens: number;
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
  bandwidth_gbs: number;
  bound_tokens_per_s: number;
  ratio_to_bound: number;
  peak_rss_mb: number;
}

/**
 * Read bandwidth of onnxruntime summing the rows of a large [4096, n] tensor (rows split over
 * the intra-op threads), GB/s, median of runs.
 */
async function ortReadBandwidth(threads: number, bytes = 512 * 2 ** 20): Promise<number> {
  const rows = 4096, cols = bytes / 4 / rows;
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
  return bytes / median(times) / 1e9;
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
  const configs = splitList(v.configs);
  for (const c of configs) {
    if (c !== "S" && c !== "M") throw new CliError(`--configs: unknown config "${c}" (S, M)`);
  }
  const batches = splitList(v.batches).map((b) => positiveInt("batches", b));
  const [P, N, threads, runs] = [
    positiveInt("prompt", v.prompt),
    positiveInt("new", v.new),
    positiveInt("threads", v.threads),
    positiveInt("runs", v.runs),
  ];
  const tokenizer = createTokenizer(byteLevelTokenizerFiles());

  const records: RolloutBenchRecord[] = [];
  for (const name of configs as ("S" | "M")[]) {
    const config = benchConfig(name);
    const params = initParameters(config, { seed: 1 });
    for (const B of batches) {
      const gen = await LocalGenerator.create(config, params, tokenizer, {
        session: { threads },
        maxBatch: B,
      });
      const requests = (salt: number) =>
        Array.from({ length: B }, (_, b) => ({
          promptIds: Array.from({ length: P }, (_, t) =>
            (salt * 7 + b * 7919 + t * 104729) % config.vocabSize),
          maxTokens: N,
          temperature: 1,
          ignoreEos: true,
          seed: salt * 1000 + b,
        }));
      await gen.generate(requests(0)); // warm-up
      const rss = new RssPeak();
      rss.reset();
      const decode: number[] = [], e2e: number[] = [], prefill: number[] = [], steps: number[] = [];
      const host: number[] = [];
      for (let r = 1; r <= runs; r++) {
        const before = gen.stats();
        const t0 = performance.now();
        await gen.generate(requests(r));
        const wall = (performance.now() - t0) / 1000;
        const after = gen.stats();
        rss.sample();
        const stepCount = after.decodeSteps - before.decodeSteps;
        const decodeS = (after.decodeMs - before.decodeMs) / 1000;
        decode.push((after.generatedTokens - before.generatedTokens - B) / decodeS);
        e2e.push((B * N) / wall);
        prefill.push(after.prefillMs - before.prefillMs);
        steps.push((decodeS * 1000) / stepCount);
        host.push(
          (after.decodeMs - before.decodeMs - after.decodeModelMs + before.decodeModelMs) /
            stepCount,
        );
      }
      await gen.close();
      const W = weightBytes(config), kv = kvBytes(config, P + N / 2);
      const tps = median(decode);
      records.push({
        bench: "rollout",
        config: name,
        batch: B,
        prompt: P,
        new_tokens: N,
        threads,
        tokens_per_s: Math.round(tps * 10) / 10,
        e2e_tokens_per_s: Math.round(median(e2e) * 10) / 10,
        prefill_ms: Math.round(median(prefill) * 10) / 10,
        step_ms: Math.round(median(steps) * 100) / 100,
        host_ms_per_step: Math.round(median(host) * 100) / 100,
        weights_mb: Math.round(W / 2 ** 20 * 10) / 10,
        kv_mb_per_step: Math.round((B * kv) / 2 ** 20 * 10) / 10,
        bandwidth_gbs: 0, // filled in below, once measured
        bound_tokens_per_s: 0,
        ratio_to_bound: 0,
        peak_rss_mb: rss.peakMb(),
      });
    }
  }
  // Bandwidth last, so its large buffers do not sit in the decode runs' peak RSS.
  const ortBw = await ortReadBandwidth(threads);
  const copyBw = copyBandwidth();
  const bandwidth = Math.max(ortBw, copyBw);
  console.log(
    `memory bandwidth: onnxruntime read ${ortBw.toFixed(1)} GB/s (${threads} threads), ` +
      `TypedArray copy ${copyBw.toFixed(1)} GB/s (read+write); bound uses ${
        bandwidth.toFixed(1)
      } GB/s`,
  );
  for (const r of records) {
    const bound = (r.batch * bandwidth * 1e9) /
      (weightBytes(benchConfig(r.config as "S" | "M")) +
        r.batch * kvBytes(benchConfig(r.config as "S" | "M"), r.prompt + r.new_tokens / 2));
    r.bandwidth_gbs = Math.round(bandwidth * 10) / 10;
    r.bound_tokens_per_s = Math.round(bound * 10) / 10;
    r.ratio_to_bound = Math.round((r.tokens_per_s / bound) * 1000) / 1000;
  }
  const head = [
    "config",
    "batch",
    "decode tok/s",
    "e2e tok/s",
    "step ms",
    "host ms",
    "prefill ms",
    "bound tok/s",
    "ratio",
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
