/**
 * `deno task bench rl`: one PPO step (GAE, critic) of the real trainer — {@link setupRun} then
 * {@link trainStep}, the code path of `deno task train` — on the standard bench configs S and M
 * (DESIGN.md "Benchmarks"), random weights, fp32, 2 threads.
 *
 * Shapes: 4 prompts per step (`data.train_batch_size=4`, `rollout.n=1`), each 64 token ids
 * drawn from the vocabulary (distinct per row and step), 192 response tokens with eos ignored,
 * so the train batch is 4 x seq 256; one mini-batch and one micro-batch (one optimizer step
 * per model); reward `custom_reward_function.builtin=char_fraction`. A warm-up step (it also
 * creates the train-step sessions) is followed by `--runs` measured steps; medians are quoted.
 *
 * Per config: tokens/s of the whole step (prompt + response tokens over the step's wall time),
 * the trainer's `timing_s/*` phases, the setup (artifacts, sessions, sampler) and the warm-up
 * step separately (its phases too: the train-step sessions are built in its update phases),
 * GFLOP/s of the update phases against onnxruntime's fp32 MatMul peak (`measureGemmPeak`)
 * measured just before and just after each step (the larger of the two: other processes' load
 * lowers a peak, so that is the stricter reference), peak RSS (VmHWM from setup to the last
 * step), the share of the step spent outside generation and the updates, and the process CPU
 * seconds per step (near threads x wall when nothing else competes for the cores).
 *
 * FLOPs of an update (forward + backward = 3 x forward), over all B x T tokens the graph
 * computes: `3 x (2 x P x B x T + 4 x L x H x D x T^2 x B)`, where P = the matmul weights
 * (q/k/v/o, gate/up/down per layer, plus the head: the tied embedding as lm_head for the
 * actor, `score` [1, hidden] for the critic), the second term QK^T and PV over the full
 * square (as `bench model`). Embedding lookups, norms, softmax and AdamW are not counted.
 *
 * ```sh
 * deno task bench rl                        # S and M, 3 measured steps each
 * deno task bench rl --configs M --runs 5
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { CliError, parseCli, positiveInt, runMain, splitList } from "../lib/cli.ts";
import { measureGemmPeak, median } from "../lib/graph/gemm_peak.ts";
import { benchConfig, createTinyModel, forwardFlops } from "../lib/model/mod.ts";
import { valueModelConfig } from "../lib/model/value_model.ts";
import { resolveConfig } from "../lib/rl/config.ts";
import type { TokenizedPrompt } from "../lib/rl/rollout_phase.ts";
import { setupRun } from "../lib/rl/train.ts";
import { trainStep } from "../lib/rl/trainer.ts";
import { BYTE_LEVEL_VOCAB_SIZE, writeByteLevelTokenizer } from "../lib/tokenizer/mod.ts";
import { cpuSeconds, RssPeak } from "../lib/util/proc.ts";

const spec = {
  command: "deno task bench rl",
  summary: "One PPO step (GAE, critic) of the trainer on bench configs S and M, by phase.",
  options: {
    configs: { type: "string", default: "S,M", valueName: "S,M", description: "bench configs" },
    runs: {
      type: "string",
      default: "3",
      valueName: "N",
      description: "measured steps after a warm-up step",
    },
    threads: { type: "string", default: "2", valueName: "N", description: "intra-op threads" },
  },
  examples: ["deno task bench rl --configs M --runs 5"],
} as const;

/** The bench shape: sequences per step, prompt and response tokens. */
const SHAPE = { sequences: 4, prompt: 64, response: 192 } as const;

/** The trainer's phases, as its `timing_s/<name>` metrics. */
const PHASES = [
  "gen",
  "reward",
  "old_log_prob",
  "values",
  "adv",
  "update_critic",
  "update_actor",
  "update_weights",
] as const;

/** Seconds per phase; `untimed` = the step minus its phases. */
type Phases = Record<(typeof PHASES)[number] | "untimed", number>;

/** A step's phases from its metrics, rounded by `r` to 0.1 ms. */
function phasesOf(m: Record<string, number>, r: (x: number, d: number) => number): Phases {
  const p = Object.fromEntries(PHASES.map((k) => [k, m[`timing_s/${k}`] ?? 0])) as Phases;
  p.untimed = m["timing_s/step"] - PHASES.reduce((n, k) => n + p[k], 0);
  for (const k of Object.keys(p) as (keyof Phases)[]) p[k] = r(p[k], 4);
  return p;
}

/** The metrics key the bench adds to each step's metrics: its MatMul peak, GFLOP/s. */
const PEAK = "bench/peak_gflops";
/** ... and its process CPU seconds. */
const CPU = "bench/cpu_s";

/** One measurement, as printed on its JSON line. */
export interface RlBenchRecord {
  bench: "rl";
  config: string;
  sequences: number;
  prompt: number;
  response: number;
  threads: number;
  runs: number;
  tokens_per_s: number;
  step_s: number;
  /** Median seconds per phase (`timing_s/<phase>`); `untimed` = step minus the phases. */
  phases_s: Phases;
  /** `setupRun`: train-step artifacts, forward and sampler sessions, models, reward. */
  setup_s: number;
  /** The warm-up step (creates the actor's and critic's train-step sessions). */
  first_step_s: number;
  /** Its phases: the session builds land in update_critic and update_actor. */
  first_step_phases_s: Phases;
  /** Each measured step's seconds. */
  steps_s: number[];
  update_gflops: number;
  actor_ratio_to_peak: number;
  critic_ratio_to_peak: number;
  /** Both updates' FLOPs over both updates' time, over the MatMul peak. */
  ratio_to_peak: number;
  /** old_log_prob + values forward FLOPs over their time, over the peak. */
  forward_ratio_to_peak: number;
  /** Median over steps of the step's MatMul peak (the larger of before and after it). */
  peak_gflops: number;
  /** The smallest and largest of those peaks: how much other load moved them. */
  peak_gflops_range: [number, number];
  /** Share of the step in reward, adv, update_weights and untimed host work. */
  overhead_share: number;
  /** Share of the step outside gen, update_critic, update_actor (adds the forward passes). */
  non_gen_update_share: number;
  peak_rss_mb: number;
  /** Median process CPU seconds per step (all threads, spinning included). */
  cpu_s: number;
}

/** The bench's config: verl keys over the defaults (PPO + GAE with a critic is the default). */
function benchTrainerConfig(modelDir: string, threads: number, steps: number) {
  return resolveConfig({
    overrides: [
      `actor_rollout_ref.model.path=${modelDir}`,
      "algorithm.adv_estimator=gae",
      // setupRun needs a prompt set; the bench replaces each prompt's ids by 64 drawn ids
      "data.train_files=builtin:smoke",
      "data.val_files=null",
      `data.train_batch_size=${SHAPE.sequences}`,
      `data.max_prompt_length=${SHAPE.prompt}`,
      `data.max_response_length=${SHAPE.response}`,
      "actor_rollout_ref.rollout.n=1",
      "actor_rollout_ref.rollout.ignore_eos=true",
      `actor_rollout_ref.actor.ppo_mini_batch_size=${SHAPE.sequences}`,
      `actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=${SHAPE.sequences}`,
      `actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=${SHAPE.sequences}`,
      `critic.ppo_micro_batch_size_per_gpu=${SHAPE.sequences}`,
      "custom_reward_function.builtin=char_fraction",
      "custom_reward_function.reward_kwargs={target:a}",
      `trainer.total_training_steps=${steps}`,
      "trainer.val_before_train=false",
      "trainer.logger=[console]",
      `kit.threads=${threads}`,
    ],
  });
}

/** Step `step`'s prompts: the prompt set's records with 64 ids drawn above the special ids. */
function benchPrompts(records: readonly TokenizedPrompt[], vocab: number, step: number) {
  const span = vocab - BYTE_LEVEL_VOCAB_SIZE; // ids past the byte-level tokenizer's specials
  return Array.from({ length: SHAPE.sequences }, (_, b) => ({
    ...records[b % records.length],
    promptIds: Array.from(
      { length: SHAPE.prompt },
      (_, t) => BYTE_LEVEL_VOCAB_SIZE + (step * 7 + b * 7919 + t * 104729) % span,
    ),
  }));
}

async function benchOne(
  name: "S" | "M",
  o: { runs: number; threads: number },
): Promise<RlBenchRecord> {
  const config = benchConfig(name);
  const tmp = await Deno.makeTempDir({ prefix: `grlo-bench-rl-${name}-` });
  try {
    const modelDir = join(tmp, "policy");
    await createTinyModel(modelDir, config, { seed: 1 });
    await writeByteLevelTokenizer(modelDir);
    const cfg = benchTrainerConfig(modelDir, o.threads, o.runs + 1);
    const peak = () => measureGemmPeak({ threads: o.threads, runs: 3 });
    const rss = new RssPeak();
    rss.reset();
    const t0 = performance.now();
    const setup = await setupRun(cfg, { out: join(tmp, "run"), log: () => {} });
    const setupS = (performance.now() - t0) / 1000;
    const metrics: Record<string, number>[] = [];
    let first: Record<string, number>;
    try {
      const prompts = benchPrompts(setup.prompts, config.vocabSize, 1);
      first = (await trainStep(setup.ctx, prompts, 1, 0)).metrics;
      let before = await peak();
      for (let step = 2; step <= o.runs + 1; step++) {
        const prompts = benchPrompts(setup.prompts, config.vocabSize, step);
        const c0 = cpuSeconds();
        const m = (await trainStep(setup.ctx, prompts, step, 0)).metrics;
        const cpu = cpuSeconds() - c0;
        rss.sample();
        const after = await peak();
        metrics.push({ ...m, [PEAK]: Math.max(before, after), [CPU]: cpu });
        before = after;
      }
    } finally {
      await setup.close();
    }
    const peakRssMb = rss.peakMb();
    return record(name, o, {
      metrics,
      peakRssMb,
      setupS,
      first,
      actor: forwardFlops(config, SHAPE.sequences, SHAPE.prompt + SHAPE.response),
      critic: forwardFlops(
        valueModelConfig(config),
        SHAPE.sequences,
        SHAPE.prompt + SHAPE.response,
      ),
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

function record(
  name: string,
  o: { runs: number; threads: number },
  m: {
    metrics: Record<string, number>[];
    setupS: number;
    first: Record<string, number>;
    peakRssMb: number;
    actor: number;
    critic: number;
  },
): RlBenchRecord {
  const med = (key: string) => median(m.metrics.map((x) => x[key] ?? 0));
  const r = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
  // Phase medians are taken per phase; shares and ratios per step, then the median.
  const perStep = (f: (x: Record<string, number>) => number) => median(m.metrics.map(f));
  const t = (x: Record<string, number>, p: string) => x[`timing_s/${p}`] ?? 0;
  const phases = Object.fromEntries(
    [...PHASES, "untimed" as const].map((
      p,
    ) => [p, median(m.metrics.map((x) => phasesOf(x, r)[p]))]),
  ) as Phases;
  const updateFlops = 3 * (m.actor + m.critic);
  const gf = (x: Record<string, number>) => 1e9 * x[PEAK];
  const peaks = m.metrics.map((x) => x[PEAK]);
  return {
    bench: "rl",
    config: name,
    ...SHAPE,
    threads: o.threads,
    runs: o.runs,
    tokens_per_s: r(perStep((x) => x["perf/throughput"]), 1),
    step_s: r(med("timing_s/step")),
    phases_s: phases,
    setup_s: r(m.setupS, 2),
    first_step_s: r(m.first["timing_s/step"], 2),
    first_step_phases_s: phasesOf(m.first, r),
    steps_s: m.metrics.map((x) => r(x["timing_s/step"], 2)),
    update_gflops: r(
      perStep((x) => updateFlops / (t(x, "update_actor") + t(x, "update_critic"))) / 1e9,
      1,
    ),
    actor_ratio_to_peak: r(perStep((x) => 3 * m.actor / t(x, "update_actor") / gf(x))),
    critic_ratio_to_peak: r(perStep((x) => 3 * m.critic / t(x, "update_critic") / gf(x))),
    ratio_to_peak: r(
      perStep((x) => updateFlops / (t(x, "update_actor") + t(x, "update_critic")) / gf(x)),
    ),
    forward_ratio_to_peak: r(
      perStep((x) => (m.actor + m.critic) / (t(x, "old_log_prob") + t(x, "values")) / gf(x)),
    ),
    peak_gflops: r(med(PEAK), 1),
    peak_gflops_range: [r(Math.min(...peaks), 1), r(Math.max(...peaks), 1)],
    overhead_share: r(
      perStep((x) =>
        (x["timing_s/step"] - ["gen", "old_log_prob", "values", "update_critic", "update_actor"]
          .reduce((n, p) => n + t(x, p), 0)) / x["timing_s/step"]
      ),
    ),
    non_gen_update_share: r(
      perStep((x) =>
        (x["timing_s/step"] - t(x, "gen") - t(x, "update_critic") - t(x, "update_actor")) /
        x["timing_s/step"]
      ),
    ),
    peak_rss_mb: m.peakRssMb,
    cpu_s: r(med(CPU), 2),
  };
}

function printTable(records: RlBenchRecord[]): void {
  const cols: [string, (r: RlBenchRecord) => number | string][] = [
    ["config", (r) => r.config],
    ["tokens/s", (r) => r.tokens_per_s],
    ["step s", (r) => r.step_s],
    ...[...PHASES, "untimed" as const].map((
      p,
    ) => [p, (r: RlBenchRecord) => r.phases_s[p]] as [string, (r: RlBenchRecord) => number]),
    ["upd GF/s", (r) => r.update_gflops],
    ["peak GF/s", (r) => r.peak_gflops],
    ["peak range", (r) => r.peak_gflops_range.join("-")],
    ["upd ratio", (r) => r.ratio_to_peak],
    ["actor", (r) => r.actor_ratio_to_peak],
    ["critic", (r) => r.critic_ratio_to_peak],
    ["fwd ratio", (r) => r.forward_ratio_to_peak],
    ["overhead", (r) => r.overhead_share],
    ["not gen/upd", (r) => r.non_gen_update_share],
    ["RSS MB", (r) => r.peak_rss_mb],
    ["cpu s", (r) => r.cpu_s],
    ["setup s", (r) => r.setup_s],
    ["1st step s", (r) => r.first_step_s],
    ["1st upd_critic", (r) => r.first_step_phases_s.update_critic],
    ["1st upd_actor", (r) => r.first_step_phases_s.update_actor],
    ["steps s", (r) => r.steps_s.join(",")],
  ];
  const w = Math.max(...cols.map(([h]) => h.length)) + 2;
  for (const [h, f] of cols) {
    console.log(h.padEnd(w) + records.map((r) => " " + String(f(r)).padStart(12)).join(""));
  }
}

/** Runs the bench; prints the table and one JSON line per config; returns the records. */
export async function benchRl(args: string[] = []): Promise<RlBenchRecord[]> {
  const cli = parseCli(args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return [];
  }
  const configs = splitList(cli.values.configs);
  for (const c of configs) {
    if (c !== "S" && c !== "M") throw new CliError(`--configs: unknown config "${c}" (S, M)`);
  }
  const o = {
    runs: positiveInt("runs", cli.values.runs),
    threads: positiveInt("threads", cli.values.threads),
  };
  const load = () => Deno.loadavg()[0].toFixed(2);
  console.log(
    `PPO + GAE + critic, ${SHAPE.sequences} prompts x n=1, ${SHAPE.prompt} prompt + ` +
      `${SHAPE.response} response tokens (eos ignored), fp32, ${o.threads} threads; medians of ` +
      `${o.runs} steps after a warm-up; load average ${load()}`,
  );
  const records: RlBenchRecord[] = [];
  for (const name of configs as ("S" | "M")[]) records.push(await benchOne(name, o));
  printTable(records);
  console.log(`load average at the end: ${load()}`);
  for (const r of records) console.log(JSON.stringify(r));
  return records;
}

if (import.meta.main) {
  await runMain(async () => {
    await benchRl(Deno.args);
    return 0;
  });
}
