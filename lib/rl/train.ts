/**
 * `train(cfg, {out})`: sets up a run with {@link setupRun} (models, train-step artifacts,
 * sessions, sampler, reward, prompts), resumes from `OUT/checkpoints/latest` when there is
 * one, runs {@link trainStep} to the last step with progress, validation and checkpoints,
 * and stops cleanly on a bad reward or a non-finite loss (the offending batch goes to
 * `OUT/nan/step-N/`, the last good checkpoint stays).
 *
 * @module
 */

import { join } from "node:path";
import {
  cachedTrainArtifacts,
  encodeModel,
  type HostArray,
  type HostTensor,
  Session,
} from "../graph/mod.ts";
import { TrainRunner } from "../graph/train_runner.ts";
import { buildValueGraph } from "../model/graphs.ts";
import { parameterSpecs } from "../model/params.ts";
import { rewardFromConfig } from "../reward/from_config.ts";
import type { Reward } from "../reward/types.ts";
import { LocalGenerator } from "../rollout/local.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import { formatDuration } from "../util/progress.ts";
import { actorTrainSpec } from "./actor_spec.ts";
import { getAdvantage } from "./advantage.ts";
import { configHash } from "./config.ts";
import { resumeDifferences, resumeRefusal } from "./resume_check.ts";
import type { TrainerConfig } from "./config_schema.ts";
import { criticTrainSpec } from "./critic_spec.ts";
import { klController } from "./kl_control.ts";
import { buildLogprobGraph } from "./logprob_graph.ts";
import type { KlLossType } from "./kl_types.ts";
import {
  type CriticInit,
  ensureSmokeModel,
  initCritic,
  loadPolicy,
  type PolicyModel,
} from "./models.ts";
import { loadPrompts, promptsOfStep, stepsPerEpoch } from "./prompts.ts";
import { type TokenizedPrompt, tokenizePrompts } from "./rollout_phase.ts";
import { RunDir } from "./run_dir.ts";
import {
  loadRunCheckpoint,
  type ModelTrainState,
  pruneRunCheckpoints,
  saveRunCheckpoint,
} from "./state.ts";
import { type StepContext, type StepOutput, trainStep, trainTemperature } from "./trainer.ts";
import { NonFiniteError } from "./update.ts";
import { validate } from "./validate.ts";

/** Options of {@link train}. */
export interface TrainOptions {
  /** The run directory. */
  out: string;
  /** Progress and status lines. @default console.error */
  log?: (line: string) => void;
  /** The plan text (written to OUT/plan.txt). */
  planText?: string;
  /** Stop after this many steps in this call (the run stays resumable). @default all */
  maxSteps?: number;
}

/** What a run returns. */
export interface TrainResult {
  /** The last completed step. */
  step: number;
  /** Total steps of the run. */
  totalSteps: number;
  /** The checkpoint the run resumed from, or null. */
  resumedFrom: number | null;
  /** The last step's metrics. */
  lastMetrics: Record<string, number> | null;
}

/** The policy directory: the configured path, or the smoke model made in `OUT/base/policy`. */
async function policyDir(cfg: TrainerConfig, run: RunDir): Promise<string> {
  const path = cfg.actor_rollout_ref.model.path;
  if (path !== null) return path;
  return await ensureSmokeModel(join(run.root, "base", "policy"), cfg.kit.seed);
}

function total(cfg: TrainerConfig, prompts: number): number {
  const perEpoch = stepsPerEpoch(prompts, cfg.data.train_batch_size);
  if (perEpoch === 0) {
    throw new Error(
      `data.train_batch_size: ${cfg.data.train_batch_size} prompts per step, but the training set has ${prompts} prompts`,
    );
  }
  return cfg.trainer.total_training_steps ?? perEpoch * cfg.trainer.total_epochs;
}

function asParams(policy: PolicyModel | { params: Map<string, { data: Float32Array }> }) {
  return new Map<string, HostArray>([...policy.params].map(([n, t]) => [n, t.data]));
}

function weightFeeds(config: Parameters<typeof parameterSpecs>[0], params: Map<string, HostArray>) {
  const feeds: Record<string, HostTensor> = {};
  for (const s of parameterSpecs(config)) {
    feeds[s.name] = { dtype: "float32", shape: s.shape, data: params.get(s.name)! };
  }
  return feeds;
}

function stateOf(runner: TrainRunner, config: ModelTrainState["config"]): ModelTrainState {
  return {
    config,
    params: runner.state.params,
    m: runner.state.m,
    v: runner.state.v,
    optimizerStep: runner.state.step,
  };
}

function shapesOf(config: ModelTrainState["config"]): Map<string, number[]> {
  return new Map(parameterSpecs(config).map((s) => [s.name, s.shape]));
}

/** A run set up by {@link setupRun}: what {@link trainStep} needs, the data, the state. */
export interface RunSetup {
  run: RunDir;
  /** Models, sessions, sampler, reward: the argument of {@link trainStep}. */
  ctx: StepContext;
  policy: PolicyModel;
  critic0: CriticInit | null;
  prompts: TokenizedPrompt[];
  valPrompts: TokenizedPrompt[];
  totalSteps: number;
  /** The checkpoint step the state was loaded from, or null. */
  resumeFrom: number | null;
  /** {@link configHash} of the config. */
  hash: string;
  /** Releases the reward, the sampler and the sessions. */
  close(): Promise<void>;
}

/**
 * Sets up a run without stepping it: the run directory (config, plan), the policy and critic,
 * the train-step artifacts (cached in `OUT/artifacts`), the trainer and forward sessions, the
 * sampler, the reward, the prompts, and the checkpointed state when resuming. {@link train}
 * runs its steps on it; `deno task bench rl` times {@link trainStep} on it.
 *
 * @param cfg the resolved config
 * @param options run directory, log, plan text
 * @returns the step context and the run's data; call `close()` when done
 */
export async function setupRun(
  cfg: TrainerConfig,
  options: Omit<TrainOptions, "maxSteps">,
): Promise<RunSetup> {
  const log = options.log ?? ((l: string) => console.error(l));
  const run = new RunDir(options.out);
  await run.create();
  const hash = configHash(cfg);
  const resumeFrom = cfg.trainer.resume_mode === "disable" ? null : await run.latestCheckpoint();
  if (resumeFrom !== null) {
    const before = await run.previousConfig();
    if (before !== null) {
      const { refused, bookkeeping } = resumeDifferences(before, cfg);
      if (refused.length > 0) throw new Error(resumeRefusal(run.root, refused));
      if (bookkeeping.length > 0) {
        log(
          `resuming with ${
            bookkeeping.map((d) =>
              `${d.key}: ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)}`
            )
              .join(", ")
          }`,
        );
      }
    }
  }
  await run.writeConfig(cfg);
  if (options.planText) await run.writePlan(options.planText);
  const threads = cfg.kit.threads || undefined;
  const session = { threads };

  const policy = await loadPolicy(await policyDir(cfg, run));
  const estimator = getAdvantage(cfg.algorithm.adv_estimator);
  const useCritic = cfg.critic.enable ?? estimator.needsCritic;
  const critic0 = useCritic ? await initCritic(cfg.critic.model.path, policy) : null;
  const needRef = cfg.actor_rollout_ref.actor.use_kl_loss || cfg.algorithm.use_kl_in_reward;

  const { prompts, dropped } = tokenizePrompts(
    await loadPrompts(cfg.data.train_files ?? [], { promptKey: cfg.data.prompt_key }),
    policy.tokenizer,
    {
      maxPromptLength: cfg.data.max_prompt_length,
      filterOverlong: cfg.data.filter_overlong_prompts,
      truncation: cfg.data.truncation,
    },
  );
  if (dropped) log(`dropped ${dropped} prompts longer than data.max_prompt_length`);
  const valPrompts = cfg.data.val_files === null ? [] : tokenizePrompts(
    await loadPrompts(cfg.data.val_files, { promptKey: cfg.data.prompt_key }),
    policy.tokenizer,
    { maxPromptLength: cfg.data.max_prompt_length, filterOverlong: true, truncation: "error" },
  ).prompts.slice(0, cfg.kit.val_prompts);
  const totalSteps = total(cfg, prompts.length);

  const a = cfg.actor_rollout_ref.actor;
  const actorOptions = {
    temperature: trainTemperature(cfg),
    clipRatioLow: a.clip_ratio_low,
    clipRatioHigh: a.clip_ratio_high,
    clipRatioC: a.clip_ratio_c,
    lossAggMode: a.loss_agg_mode,
    entropyCoeff: a.entropy_coeff,
    useKlLoss: a.use_kl_loss,
    klLossCoef: a.kl_loss_coef,
    klLossType: a.kl_loss_type as KlLossType,
    maxGradNorm: a.grad_clip,
    optimizer: {
      weightDecay: a.optim.weight_decay,
      beta1: a.optim.betas[0],
      beta2: a.optim.betas[1],
    },
  };
  const artifactsDir = join(run.root, "artifacts");
  const actorArtifacts = await cachedTrainArtifacts(
    join(artifactsDir, "actor"),
    JSON.stringify({ config: policy.config, actorOptions }),
    () => actorTrainSpec(policy.config, actorOptions),
  );
  const c = cfg.critic;
  const criticOptions = {
    cliprangeValue: c.cliprange_value,
    lossAggMode: c.loss_agg_mode,
    maxGradNorm: c.grad_clip,
    optimizer: {
      weightDecay: c.optim.weight_decay,
      beta1: c.optim.betas[0],
      beta2: c.optim.betas[1],
    },
  };
  const criticArtifacts = critic0
    ? await cachedTrainArtifacts(
      join(artifactsDir, "critic"),
      JSON.stringify({ config: critic0.config, criticOptions }),
      () => criticTrainSpec(critic0.config, criticOptions),
    )
    : null;

  // Initial or resumed state.
  const ckpt = resumeFrom === null
    ? null
    : await loadRunCheckpoint(run, resumeFrom, critic0 !== null);
  const runnerOf = (
    artifacts: typeof actorArtifacts,
    init: Map<string, HostArray>,
    s?: ModelTrainState,
  ) =>
    TrainRunner.create(artifacts, s?.params ?? init, {
      ...session,
      resume: s ? { m: s.m, v: s.v, step: s.optimizerStep } : undefined,
    });
  const actor = runnerOf(actorArtifacts, asParams(policy), ckpt?.policy);
  const critic = critic0 && criticArtifacts
    ? runnerOf(criticArtifacts, asParams(critic0), ckpt?.critic ?? undefined)
    : null;
  const kl = klController(cfg.algorithm.kl_ctrl);
  if (ckpt) kl.restore({ ...kl.toJSON(), value: ckpt.state.klCoef });

  const logprobSession = await Session.create(
    encodeModel(buildLogprobGraph(policy.config, { temperature: trainTemperature(cfg) })),
    session,
  );
  const valueSession = critic0
    ? await Session.create(encodeModel(buildValueGraph(critic0.config)), session)
    : null;
  const samplesPerStep = cfg.data.train_batch_size * cfg.actor_rollout_ref.rollout.n;
  const generator = await LocalGenerator.create(
    policy.config,
    new Map(
      [...actor.state.params].map((
        [n, d],
      ) => [n, { shape: policy.params.get(n)!.shape, data: d as Float32Array }]),
    ),
    policy.tokenizer,
    {
      session,
      maxBatch: Math.min(samplesPerStep, cfg.actor_rollout_ref.rollout.max_num_seqs),
      prefillTokens: cfg.actor_rollout_ref.rollout.max_num_batched_tokens,
      maxModelLen: cfg.data.max_prompt_length + cfg.data.max_response_length,
      name: "policy",
    },
  );
  let reward: Reward | null = null;
  const close = async () => {
    await reward?.close();
    await generator.close();
    await actor.release();
    await critic?.release();
    await logprobSession.release();
    await valueSession?.release();
  };
  try {
    reward = await rewardFromConfig(cfg, { session });
  } catch (e) {
    await close();
    throw e;
  }
  const ctx: StepContext = {
    cfg,
    generator,
    reward,
    estimator,
    actor,
    critic,
    logprobSession,
    valueSession,
    refWeights: needRef ? weightFeeds(policy.config, asParams(policy)) : null,
    klController: kl,
    padId: policy.padId,
    totalSteps,
  };
  return {
    run,
    ctx,
    policy,
    critic0,
    prompts,
    valPrompts,
    totalSteps,
    resumeFrom,
    hash,
    close,
  };
}

/**
 * Trains a policy with the config; resumes the run in `out` when it has a checkpoint.
 *
 * @param cfg the resolved config
 * @param options run directory, log, plan text, step limit
 * @returns the last step, the total, where it resumed from, the last metrics
 */
export async function train(cfg: TrainerConfig, options: TrainOptions): Promise<TrainResult> {
  const log = options.log ?? ((l: string) => console.error(l));
  const setup = await setupRun(cfg, { ...options, log });
  const { run, ctx, policy, critic0, prompts, valPrompts, totalSteps, resumeFrom, hash } = setup;
  const { actor, critic, klController: kl } = ctx;
  try {
    const order = {
      batchSize: cfg.data.train_batch_size,
      shuffle: cfg.data.shuffle,
      seed: cfg.data.seed ?? 1,
    };
    const start = resumeFrom ?? 0;
    // A fresh start drops everything a killed earlier attempt logged (its step-0 validation
    // too); a resume keeps the lines up to its checkpoint.
    await run.truncateMetrics(resumeFrom ?? -1);
    if (resumeFrom !== null) await restoreCheckpointMetrics(run, resumeFrom);
    log(
      resumeFrom === null
        ? `training ${totalSteps} steps into ${run.root}`
        : `resuming ${run.root} from checkpoint step-${resumeFrom} (${
          totalSteps - start
        } steps left)`,
    );
    if (start === 0 && cfg.trainer.val_before_train && valPrompts.length) {
      await run.appendMetrics({ "training/global_step": 0, ...await validate(ctx, valPrompts, 0) });
    }
    const last = options.maxSteps ? Math.min(totalSteps, start + options.maxSteps) : totalSteps;
    let lastMetrics: Record<string, number> | null = null;
    const t0 = performance.now();
    for (let step = start + 1; step <= last; step++) {
      const { epoch, indices } = promptsOfStep(step - 1, prompts.length, order);
      const out = await runStep(ctx, run, indices.map((i) => prompts[i]), step, epoch);
      const m = out.metrics;
      if (cfg.trainer.test_freq > 0 && step % cfg.trainer.test_freq === 0 && valPrompts.length) {
        Object.assign(m, await validate(ctx, valPrompts, step));
      }
      const saveNow = step === totalSteps ||
        (cfg.trainer.save_freq > 0 && step % cfg.trainer.save_freq === 0);
      // Samples before the checkpoint: a kill in between leaves a step that is redone.
      await run.writeSamples(step, sampleRows(out, step, cfg.kit.samples_per_step));
      if (saveNow) {
        const ts = performance.now();
        await saveRunCheckpoint(
          run,
          {
            policy: stateOf(actor, policy.config),
            critic: critic && critic0 ? stateOf(critic, critic0.config) : null,
            state: {
              globalStep: step,
              data: dataPosition(step, prompts.length, order.batchSize),
              klCoef: kl.value,
              seeds: { data: order.seed, sampling: cfg.kit.seed },
              configHash: hash,
              metrics: { ...m },
            },
          },
          { policy: shapesOf(policy.config), critic: critic0 ? shapesOf(critic0.config) : null },
          policy.dir,
        );
        await pruneCheckpoints(run, cfg, step, log);
        m["timing_s/save_checkpoint"] = (performance.now() - ts) / 1000;
      }
      await run.appendMetrics(m);
      lastMetrics = m;
      const elapsed = (performance.now() - t0) / 1000, done = step - start;
      log(progressLine(m, step, totalSteps, elapsed / done * (last - step)));
    }
    return { step: last, totalSteps, resumedFrom: resumeFrom, lastMetrics };
  } finally {
    await setup.close();
  }
}

/**
 * Applies `trainer.max_actor_ckpt_to_keep` / `max_critic_ckpt_to_keep` once checkpoint `step`
 * is complete and `latest` names it. A failure is logged and the run goes on: the new
 * checkpoint is already safe, and the next save prunes again.
 */
async function pruneCheckpoints(
  run: RunDir,
  cfg: TrainerConfig,
  step: number,
  log: (line: string) => void,
): Promise<void> {
  try {
    await pruneRunCheckpoints(run, {
      policy: cfg.trainer.max_actor_ckpt_to_keep,
      critic: cfg.trainer.max_critic_ckpt_to_keep,
    });
  } catch (e) {
    log(
      `warning: pruning old checkpoints failed (${(e as Error).message}); ` +
        `checkpoint step-${step} is complete and the next save retries`,
    );
  }
}

/**
 * After a kill between a checkpoint and its metrics line, puts the line (kept in the
 * checkpoint's trainer state) back into `metrics.jsonl`.
 */
async function restoreCheckpointMetrics(run: RunDir, step: number): Promise<void> {
  if (await run.hasMetricsFor(step)) return;
  const file = join(run.checkpointDir(step), "trainer_state.json");
  const state = JSON.parse(await Deno.readTextFile(file));
  if (state.metrics) await run.appendMetrics(state.metrics);
}

/** Runs a step; a non-finite loss writes the batch to OUT/nan/step-N/ and stops. */
async function runStep(
  ctx: StepContext,
  run: RunDir,
  prompts: TokenizedPrompt[],
  step: number,
  epoch: number,
): Promise<StepOutput> {
  try {
    return await trainStep(ctx, prompts, step, epoch);
  } catch (e) {
    if (!(e instanceof NonFiniteError)) throw new Error(`step ${step}: ${(e as Error).message}`);
    const dir = run.nanDir(step);
    await Deno.mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, "batch.json"), {
      step,
      error: e.message,
      micro_batches: e.feeds.map((f) =>
        Object.fromEntries(
          Object.entries(f).map((
            [k, t],
          ) => [k, {
            shape: t.shape,
            data: Array.from(t.data as ArrayLike<number | bigint>, Number),
          }]),
        )
      ),
    });
    const latest = await run.latestCheckpoint();
    throw new Error(
      `step ${step}: ${e.message}; the batch is in ${dir}/batch.json; ` +
        (latest === null
          ? "no checkpoint was written yet"
          : `the last good checkpoint is step-${latest}`),
    );
  }
}

function dataPosition(step: number, prompts: number, batchSize: number) {
  const perEpoch = stepsPerEpoch(prompts, batchSize);
  return { epoch: Math.floor(step / perEpoch), position: (step % perEpoch) * batchSize };
}

/** The rows of `OUT/samples/step-N.jsonl`. */
function sampleRows(out: StepOutput, step: number, limit: number | null) {
  const w = out.layout.width;
  const rows = out.samples.map((s, b) => {
    let lp = 0, adv = 0;
    for (let k = 0; k < s.responseIds.length; k++) {
      lp += out.oldLogprobs[b * w + k];
      adv += out.advantages.advantages[b * w + k];
    }
    return {
      step,
      index: b,
      group: s.group,
      data_source: s.meta.data_source ?? null,
      prompt: s.messages,
      response: s.responseText,
      finish_reason: s.finishReason,
      response_length: s.responseIds.length,
      score: out.rewards[b].score,
      terms: out.rewards[b].terms,
      logprob_sum: lp,
      behaviour_logprob_sum: s.behaviourLogprobs.reduce((x, y) => x + y, 0),
      advantage_mean: adv / s.responseIds.length,
    };
  });
  return limit === null ? rows : rows.slice(0, limit);
}

function progressLine(m: Record<string, number>, step: number, total: number, etaSeconds: number) {
  const f = (x: number | undefined, d = 3) => x === undefined ? "-" : x.toFixed(d);
  return `step ${step}/${total} | score ${f(m["critic/score/mean"])} | len ${
    f(m["response_length/mean"], 1)
  } | ${f(m["perf/throughput"], 0)} tok/s | ${f(m["timing_s/step"], 1)} s/step | ETA ${
    formatDuration(etaSeconds)
  }`;
}
