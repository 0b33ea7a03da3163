/**
 * `deno task bench profile --what <target>`: where the time goes, from onnxruntime's profiler.
 *
 * - `train-S|train-M`: one train step of the `bench model` setup (batch 4 x seq 256, next-token
 *   loss, backward, clipping + AdamW): kernel time by phase (forward, backward, optimizer), by
 *   op type and by node shape; the executor's own time (`model_run` minus kernels) and the time
 *   outside the runtime (feeds, output copies, the runner's state swap: the step's wall time
 *   minus `model_run`).
 * - `actor-S|actor-M`: the same for the PPO actor's update step (`actorTrainSpec` with verl's
 *   defaults: clipped policy loss, token-mean, the `actor/entropy` metric) on that batch, whose
 *   second half of each row is the response; `critic-S|critic-M` for the critic's (clipped
 *   value loss, `criticTrainSpec`, on the value model of the same config).
 * - `decode-S-b8|decode-M-b32|...`: the `bench rollout` setup (64-token prompts, 128 new tokens)
 *   at one batch size: decode-call kernel time by op type and by node shape, the executor's
 *   time, the binding's (feeds, output copies: model call wall minus `model_run`) and the
 *   sampler's host work per step (sampling, cache writes, masks).
 *
 * ```sh
 * deno task bench profile --what train-M
 * deno task bench profile --what decode-M-b32
 * ```
 *
 * @module
 */

import { CliError, parseCli, positiveInt } from "../lib/cli.ts";
import {
  buildTrainArtifacts,
  type HostTensor,
  median,
  TrainRunner,
  trainStepPhases,
} from "../lib/graph/mod.ts";
import { benchConfig, initParameters, lmTrainSpec } from "../lib/model/mod.ts";
import { actorTrainSpec } from "../lib/rl/actor_spec.ts";
import { criticTrainSpec } from "../lib/rl/critic_spec.ts";
import { valueModelConfig } from "../lib/model/value_model.ts";
import { LocalGenerator } from "../lib/rollout/local.ts";
import { byteLevelTokenizerFiles, createTokenizer } from "../lib/tokenizer/mod.ts";
import { msTable, type ProfiledNode, readProfile, sumBy } from "./_ort_profile.ts";
import { lmBatch } from "./bench_model.ts";
import { restoreSystemMalloc } from "../lib/util/malloc.ts";

const spec = {
  command: "deno task bench profile",
  summary: "onnxruntime profile of a train step or of batched decode: time by phase and op type.",
  options: {
    what: {
      type: "string",
      default: "train-M",
      valueName: "train-M|actor-M|critic-M|decode-M-b32",
      description: "<train|actor|critic>-<S|M> or decode-<S|M>-b<batch>",
    },
    runs: { type: "string", default: "3", valueName: "N", description: "profiled runs" },
    threads: { type: "string", default: "2", valueName: "N", description: "intra-op threads" },
    top: { type: "string", default: "12", valueName: "N", description: "rows per table" },
    optimizer: {
      type: "string",
      default: "auto",
      valueName: "auto|graph|host",
      description: "train: where AdamW runs (auto: the runner's default)",
    },
  },
  examples: [
    "deno task bench profile --what train-M",
    "deno task bench profile --what actor-M",
    "deno task bench profile --what decode-M-b32",
  ],
} as const;

const shapeKey = (n: ProfiledNode) => `${n.op} [${n.outputShapes[0]?.join("x") ?? ""}]`;
const load = () => Deno.loadavg()[0].toFixed(2);

/**
 * The PPO actor's (or critic's) batch on the `bench model` rows: the second half of each row is
 * the response.
 */
export function ppoBatch(
  c: ReturnType<typeof benchConfig>,
  batch: number,
  seq: number,
  who: "actor" | "critic",
): Record<string, HostTensor> {
  const { loss_mask: _, ...lm } = lmBatch(c, batch, seq);
  const f32 = (f: (b: number, t: number) => number) => ({
    dtype: "float32" as const,
    shape: [batch, seq],
    data: Float32Array.from({ length: batch * seq }, (_, i) => f(Math.floor(i / seq), i % seq)),
  });
  const scalar = (x: number) => ({
    dtype: "float32" as const,
    shape: [],
    data: Float32Array.of(x),
  });
  const { targets: _t, ...rows } = lm;
  const perToken: Record<string, HostTensor> = who === "actor"
    ? {
      targets: lm.targets,
      old_logprobs: f32((b, t) => -10.4 + 0.01 * ((b + t) % 7)),
      advantages: f32((b, t) => ((b * 31 + t * 17) % 11) / 5 - 1),
    }
    : {
      old_values: f32((b, t) => ((b * 7 + t * 3) % 13) / 26),
      returns: f32((b, t) => ((b * 5 + t * 11) % 9) / 9),
    };
  return {
    ...rows,
    ...perToken,
    response_mask: f32((_, t) => (t >= seq / 2 ? 1 : 0)),
    loss_scale: scalar((batch * seq) / 2),
    token_scale: scalar((batch * seq) / 2),
  };
}

async function profileTrain(
  name: "S" | "M",
  o: {
    runs: number;
    threads: number;
    top: number;
    optimizer?: "graph" | "host";
    loss: "lm" | "actor" | "critic";
  },
) {
  const { runs, threads, top } = o;
  const c = o.loss === "critic" ? valueModelConfig(benchConfig(name)) : benchConfig(name);
  const trainSpec = o.loss === "lm"
    ? lmTrainSpec(c, { maxGradNorm: 1 })
    : o.loss === "actor"
    ? actorTrainSpec(c, { maxGradNorm: 1 })
    : criticTrainSpec(c, { maxGradNorm: 1 });
  const artifacts = await buildTrainArtifacts(trainSpec);
  const params = initParameters(c, { seed: 1 });
  const prefix = `/tmp/grlo-profile-train-${name}-${Date.now()}`;
  const initial = () => new Map([...params].map(([k, t]) => [k, t.data]));
  const feeds = o.loss === "lm" ? lmBatch(c, 4, 256) : ppoBatch(c, 4, 256, o.loss);
  // The same steps without the profiler first, as the kit runs them. The profiler's records
  // (many small allocations kept to the end) would fragment the heap that lib/util/malloc.ts
  // keeps, so the profiled steps run on glibc's defaults: their kernels include the fresh-page
  // faults that the kept heap avoids, which the two step times show.
  const plain = TrainRunner.create(artifacts, initial(), {
    ep: "cpu",
    threads,
    optimizer: o.optimizer,
  });
  await plain.step(feeds, 1e-5);
  const plainWall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await plain.step(feeds, 1e-5);
    plainWall.push(performance.now() - t0);
  }
  await plain.release();
  const restored = restoreSystemMalloc();
  const runner = TrainRunner.create(artifacts, initial(), {
    ep: "cpu",
    threads,
    profilePrefix: prefix,
    optimizer: o.optimizer,
  });
  const phases = trainStepPhases(trainSpec, runner.optimizer === "host" ? "grad" : "train");
  await runner.step(feeds, 1e-5); // session creation + warm-up (not counted)
  const wall: number[] = [], hostMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now(), h0 = runner.hostOptimizerMs;
    await runner.step(feeds, 1e-5);
    wall.push(performance.now() - t0);
    hostMs.push(runner.hostOptimizerMs - h0);
  }
  await runner.release(); // writes the trace
  const trace = await readProfile(prefix);
  const timed = trace.runs.slice(1);
  const nodes = timed.flatMap((r) => r.nodes);
  const phaseOf = (n: ProfiledNode): string => {
    const fn = /^_inlfunc_([A-Za-z0-9]+_[0-9a-f]{8})_/.exec(n.name)?.[1];
    if (fn) return phases.functions.get(fn) ?? "unmapped";
    return phases.nodes.get(n.name.split("/")[0]) ?? "unmapped";
  };
  const kernelUs = nodes.reduce((s, n) => s + n.us, 0);
  const runUs = timed.reduce((s, r) => s + r.us, 0);
  const wallUs = wall.reduce((s, w) => s + w * 1000, 0);
  // With the host optimizer the graph is `grad` (forward and backward only); the runner times
  // its host pass, which is taken out of "outside the runtime".
  const hostUs = hostMs.reduce((s, x) => s + x * 1000, 0);
  const byPhase: [string, number][] = [
    ...sumBy(nodes, phaseOf),
    ...(runner.optimizer === "host"
      ? [["optimizer on the host (norm, clip, AdamW)", hostUs] as [string, number]]
      : []),
    ["executor (model_run - kernels)", runUs - kernelUs],
    ["outside the runtime (feeds, copies)", wallUs - runUs - hostUs],
  ];
  const hostThreads = runner.hostWorker ? "this thread and a worker" : "one thread";
  const lines = [
    `${o.loss === "lm" ? "train" : `PPO ${o.loss}`} step, config ${name}, batch 4 x seq 256, ` +
    `${threads} threads, optimizer in the ` +
    `${runner.optimizer === "host" ? `host (${hostThreads})` : "graph"}, ${runs} profiled steps; ` +
    `median step ${median(plainWall).toFixed(0)} ms, profiled ${median(wall).toFixed(0)} ms${
      restored ? " (on glibc's malloc defaults)" : ""
    }; load average ${load()}`,
    `  trace ${trace.path}`,
    ...msTable("by phase (share of the step's wall time)", byPhase, runs, wallUs),
  ];
  for (const phase of ["forward", "backward", "optimizer"]) {
    const mine = nodes.filter((n) => phaseOf(n) === phase);
    lines.push(
      ...msTable(`${phase}: by op type`, sumBy(mine, (n) => n.op).slice(0, top), runs, wallUs),
    );
  }
  lines.push(
    ...msTable("by op and output shape", sumBy(nodes, shapeKey).slice(0, top), runs, wallUs),
  );
  return lines;
}

async function profileDecode(
  name: "S" | "M",
  batch: number,
  runs: number,
  threads: number,
  top: number,
) {
  const config = benchConfig(name);
  const params = initParameters(config, { seed: 1 });
  const tokenizer = createTokenizer(byteLevelTokenizerFiles());
  const prefix = `/tmp/grlo-profile-decode-${name}-b${batch}-${Date.now()}`;
  const gen = await LocalGenerator.create(config, params, tokenizer, {
    session: { threads, profilePrefix: prefix },
    maxBatch: batch,
  });
  const requests = (salt: number) =>
    Array.from({ length: batch }, (_, b) => ({
      promptIds: Array.from(
        { length: 64 },
        (_, t) => (salt * 7 + b * 7919 + t * 104729) % config.vocabSize,
      ),
      maxTokens: 128,
      temperature: 1,
      ignoreEos: true,
      seed: salt * 1000 + b,
    }));
  await gen.generate(requests(0)); // warm-up
  const before = gen.stats();
  for (let r = 1; r <= runs; r++) await gen.generate(requests(r));
  const after = gen.stats();
  await gen.close(); // writes the trace
  const trace = await readProfile(prefix);
  // A call is a prefill when the embedding lookup (Gather -> [B, T, hidden]) has T > 1.
  const isPrefill = (r: { nodes: ProfiledNode[] }) =>
    r.nodes.some((n) => {
      const s = n.outputShapes[0] ?? [];
      return n.op === "Gather" && s.length === 3 && s[2] === config.hiddenSize && s[1] > 1;
    });
  const calls = after.decodeSteps - before.decodeSteps;
  const decodeRuns = trace.runs.filter((r) => !isPrefill(r)).slice(-calls);
  const nodes = decodeRuns.flatMap((r) => r.nodes);
  const kernelUs = nodes.reduce((s, n) => s + n.us, 0);
  const runUs = decodeRuns.reduce((s, r) => s + r.us, 0);
  const stepUs = (after.decodeMs - before.decodeMs) * 1000;
  const modelUs = (after.decodeModelMs - before.decodeModelMs) * 1000;
  const tokens = after.generatedTokens - before.generatedTokens - batch * runs;
  const parts: [string, number][] = [
    ["kernels", kernelUs],
    ["executor (model_run - kernels)", runUs - kernelUs],
    ["binding (feeds, output copies)", modelUs - runUs],
    ["host (sampler, KV cache, masks)", stepUs - modelUs],
  ];
  return [
    `decode, config ${name}, batch ${batch}, 64-token prompts + 128 new tokens, ${threads} ` +
    `threads, ${runs} profiled runs (${calls} decode steps); ${
      (tokens / (stepUs / 1e6)).toFixed(0)
    } decode tokens/s, ${(stepUs / calls / 1000).toFixed(2)} ms per step; load average ${load()}`,
    `  trace ${trace.path}`,
    ...msTable("per decode step (share of the step)", parts, calls, stepUs),
    ...msTable("kernels by op type", sumBy(nodes, (n) => n.op).slice(0, top), calls, stepUs),
    ...msTable("by op and output shape", sumBy(nodes, shapeKey).slice(0, top), calls, stepUs),
  ];
}

/** Runs the profile; prints its tables. */
export async function benchProfile(args: string[] = []): Promise<string[]> {
  const cli = parseCli(args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return [];
  }
  const v = cli.values;
  const runs = positiveInt("runs", v.runs), threads = positiveInt("threads", v.threads);
  const top = positiveInt("top", v.top);
  const train = /^(train|actor|critic)-(S|M)$/.exec(v.what),
    decode = /^decode-(S|M)-b(\d+)$/.exec(v.what);
  let lines: string[];
  const optimizer = v.optimizer === "auto"
    ? undefined
    : v.optimizer === "graph" || v.optimizer === "host"
    ? v.optimizer
    : (() => {
      throw new CliError(`--optimizer: "${v.optimizer}" is not auto, graph or host`);
    })();
  if (train) {
    lines = await profileTrain(train[2] as "S" | "M", {
      runs,
      threads,
      top,
      optimizer,
      loss: train[1] === "train" ? "lm" : train[1] as "actor" | "critic",
    });
  } else if (decode) {
    lines = await profileDecode(
      decode[1] as "S" | "M",
      positiveInt("what", decode[2]),
      runs,
      threads,
      top,
    );
  } else {throw new CliError(
      `--what: "${v.what}" is not <train|actor|critic>-<S|M> or decode-<S|M>-b<batch>`,
    );}
  console.log(lines.join("\n"));
  return lines;
}

if (import.meta.main) await benchProfile(Deno.args);
