/**
 * The RL trainer: one loop for PPO with a critic (GAE, the GRLO recipe), GRPO, RLOO and
 * REINFORCE++. Read {@link trainStep} top to bottom — each phase a named function taking and
 * returning plain values (nanoGPT's `train.py`):
 *
 *   prompts -> rollouts -> rewards -> old log-probs / reference / values -> advantages
 *   -> critic update -> actor update -> new weights to the sampler -> metrics, samples
 *
 * The algorithm is the config's `algorithm.adv_estimator` (a registered estimator that says
 * whether it needs a critic) plus the loss options; nothing in the loop branches on its name.
 * {@link train} sets up models, sessions, data and resume, runs the steps, validates and
 * checkpoints.
 *
 * @module
 */

import type { HostTensor } from "../graph/mod.ts";
import type { TrainRunner } from "../graph/train_runner.ts";
import { scoreChecked } from "../reward/errors.ts";
import type { Reward, RewardOutput } from "../reward/types.ts";
import type { Generator } from "../rollout/types.ts";
import type { Session } from "../graph/session.ts";
import { applyKlInReward } from "./kl.ts";
import { type KlLossType, splitKlType } from "./kl_types.ts";
import type { KlController } from "./kl_control.ts";
import { responseLayout, type RowTokens } from "./batch.ts";
import type { TrainerConfig } from "./config_schema.ts";
import { lrAt } from "./lr_schedule.ts";
import { dataMetrics, logprobDrift, peakMemoryGb } from "./metrics.ts";
import {
  generateRollouts,
  rewardInputs,
  type RolloutSettings,
  type TokenizedPrompt,
} from "./rollout_phase.ts";
import { placeScores } from "./scores.ts";
import type {
  AdvantageEstimator,
  AdvantageOutput,
  ResponseLayout,
  RolloutSample,
} from "./types.ts";
import {
  forwardRows,
  type MicroBatching,
  ppoUpdate,
  runnerWeights,
  type UpdateResult,
} from "./update.ts";

/** Everything a step uses, set up once by {@link train}. */
export interface StepContext {
  cfg: TrainerConfig;
  generator: Generator & {
    setWeights(p: ReadonlyMap<string, { shape: number[]; data: Float32Array }>): Promise<void>;
  };
  reward: Reward;
  estimator: AdvantageEstimator;
  actor: TrainRunner;
  critic: TrainRunner | null;
  /** Forward sessions: policy log-probs (weights as inputs), critic values. */
  logprobSession: Session;
  valueSession: Session | null;
  /** Reference weights (the initial policy) when a KL term needs them. */
  refWeights: Record<string, HostTensor> | null;
  klController: KlController;
  padId: number;
  totalSteps: number;
}

/** What one step produced. */
export interface StepOutput {
  metrics: Record<string, number>;
  samples: RolloutSample[];
  rewards: RewardOutput[];
  oldLogprobs: Float32Array;
  advantages: AdvantageOutput;
  layout: ResponseLayout;
}

/** Count of NaN/Inf entries of an array. */
function nonFinite(x: Float32Array): number {
  let n = 0;
  for (const v of x) if (!Number.isFinite(v)) n++;
  return n;
}

/** Wall time of named phases, reported as `timing_s/<name>`. */
class PhaseTimer {
  readonly seconds: Record<string, number> = {};
  async time<T>(name: string, f: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      this.seconds[name] = (this.seconds[name] ?? 0) + (performance.now() - t0) / 1000;
    }
  }
}

/** The sampling settings of training rollouts. */
export function rolloutSettings(cfg: TrainerConfig): RolloutSettings {
  const r = cfg.actor_rollout_ref.rollout;
  return {
    n: r.n,
    maxResponseTokens: cfg.data.max_response_length,
    temperature: r.do_sample ? r.temperature : 0,
    topP: r.top_p,
    topK: r.top_k,
    ignoreEos: r.ignore_eos,
    seed: cfg.kit.seed,
  };
}

/** The temperature the trainer divides logits by: the rollout's (1 for greedy rollouts). */
export function trainTemperature(cfg: TrainerConfig): number {
  const r = cfg.actor_rollout_ref.rollout;
  return r.do_sample && r.temperature > 0 ? r.temperature : 1;
}

function micro(rowsPer: number | null, dynamic: boolean, maxTokens: number): MicroBatching {
  return dynamic ? { maxTokens } : rowsPer ? { rowsPer } : {};
}

/** Rollout phase: `rollout.n` responses per prompt. */
function rollout(ctx: StepContext, prompts: readonly TokenizedPrompt[], step: number) {
  return generateRollouts(ctx.generator, prompts, rolloutSettings(ctx.cfg), step);
}

/** Reward phase: one score (and its terms) per sample; a bad score stops the step. */
async function scoreRollouts(ctx: StepContext, samples: readonly RolloutSample[]) {
  const batch = rewardInputs(samples, ctx.cfg.data.max_response_length);
  const { outputs, problems } = await scoreChecked(ctx.reward, batch, {
    onError: ctx.cfg.reward_model.on_error,
  });
  return { rewards: outputs, rewardErrors: problems.length };
}

/** Log-prob phase (old policy or reference) over every row. */
function logprobs(
  ctx: StepContext,
  weights: Record<string, HostTensor>,
  rows: RowTokens[],
  width: number,
) {
  const r = ctx.cfg.actor_rollout_ref.rollout;
  return forwardRows(ctx.logprobSession, weights, rows, {
    output: "logprobs",
    micro: micro(
      r.log_prob_micro_batch_size_per_gpu,
      r.log_prob_use_dynamic_bsz,
      r.log_prob_max_token_len_per_gpu,
    ),
    padId: ctx.padId,
    width,
  });
}

/** Values phase: the critic's value at every response token. */
function criticValues(ctx: StepContext, rows: RowTokens[], width: number) {
  const c = ctx.cfg.critic;
  return forwardRows(ctx.valueSession!, runnerWeights(ctx.critic!), rows, {
    output: "values",
    micro: micro(c.ppo_micro_batch_size_per_gpu, c.use_dynamic_bsz, c.ppo_max_token_len_per_gpu),
    padId: ctx.padId,
    width,
  });
}

/** Advantage phase: scores on the last token, KL in the reward (if on), the estimator. */
function advantagePhase(
  ctx: StepContext,
  samples: readonly RolloutSample[],
  rewards: readonly RewardOutput[],
  layout: ResponseLayout,
  old: Float32Array,
  ref: Float32Array | null,
  values: Float32Array | null,
) {
  const a = ctx.cfg.algorithm;
  let tokenRewards = placeScores(rewards.map((r) => r.score), layout);
  let rewardKl: number | null = null;
  if (a.use_kl_in_reward) {
    const k = applyKlInReward(
      tokenRewards,
      old,
      ref!,
      layout,
      ctx.klController.value,
      splitKlType(a.kl_penalty as KlLossType).base,
    );
    tokenRewards = k.rewards;
    rewardKl = k.klMean;
  }
  const out = ctx.estimator.fn({
    ...layout,
    tokenRewards,
    values,
    groups: Int32Array.from(samples.map((s) => s.group)),
  }, { gamma: a.gamma, lam: a.lam, normAdvByStd: a.norm_adv_by_std_in_grpo });
  return { ...out, tokenRewards, rewardKl };
}

/** Critic update phase: clipped value loss over PPO mini-batches. */
function updateCritic(
  ctx: StepContext,
  rows: RowTokens[],
  width: number,
  values: Float32Array,
  returns: Float32Array,
  step: number,
) {
  const c = ctx.cfg.critic, o = c.optim;
  return ppoUpdate(ctx.critic!, rows, { old_values: values, returns }, width, {
    miniBatchRows: c.ppo_mini_batch_size * ctx.cfg.actor_rollout_ref.rollout.n,
    micro: micro(c.ppo_micro_batch_size_per_gpu, c.use_dynamic_bsz, c.ppo_max_token_len_per_gpu),
    epochs: c.ppo_epochs,
    lossAggMode: c.loss_agg_mode,
    scaleOptions: { maxResponseLength: ctx.cfg.data.max_response_length },
    lr: lrAt(step - 1, scheduleOf(o, ctx.totalSteps)),
    padId: ctx.padId,
    phase: "update_critic",
  });
}

/** Actor update phase: PPO clipped policy loss (+ entropy, + KL loss) over mini-batches. */
function updateActor(
  ctx: StepContext,
  rows: RowTokens[],
  width: number,
  old: Float32Array,
  advantages: Float32Array,
  ref: Float32Array | null,
  step: number,
) {
  const a = ctx.cfg.actor_rollout_ref.actor;
  const perToken: Record<string, Float32Array> = { old_logprobs: old, advantages };
  if (a.use_kl_loss) perToken.ref_logprobs = ref!;
  return ppoUpdate(ctx.actor, rows, perToken, width, {
    miniBatchRows: a.ppo_mini_batch_size * ctx.cfg.actor_rollout_ref.rollout.n,
    micro: micro(a.ppo_micro_batch_size_per_gpu, a.use_dynamic_bsz, a.ppo_max_token_len_per_gpu),
    epochs: a.ppo_epochs,
    lossAggMode: a.loss_agg_mode,
    scaleOptions: { maxResponseLength: ctx.cfg.data.max_response_length },
    lr: lrAt(step - 1, scheduleOf(a.optim, ctx.totalSteps)),
    padId: ctx.padId,
    phase: "update_actor",
  });
}

/** Sampler weights phase: the updated policy into the rollout engine. */
async function pushWeights(ctx: StepContext) {
  const params = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const p of ctx.actor.artifacts.manifest.params) {
    params.set(p.name, {
      shape: p.shape,
      data: ctx.actor.state.params.get(p.name) as Float32Array,
    });
  }
  await ctx.generator.setWeights(params);
}

/** The learning-rate schedule of an `*.optim` section. */
export function scheduleOf(o: TrainerConfig["critic"]["optim"], totalSteps: number) {
  return {
    lr: o.lr,
    warmupSteps: o.lr_warmup_steps,
    warmupRatio: o.lr_warmup_steps_ratio,
    type: o.warmup_style ?? o.lr_scheduler_type,
    minLrRatio: o.min_lr_ratio,
    numCycles: o.num_cycles,
    totalSteps,
  };
}

function updateMetrics(prefix: "actor" | "critic", r: UpdateResult | null, lr: number) {
  if (!r) return {};
  const m: Record<string, number> = { [`${prefix}/grad_norm`]: r.gradNorm, [`${prefix}/lr`]: lr };
  for (const [k, v] of Object.entries(r.metrics)) m[`${prefix}/${k}`] = v;
  return m;
}

/**
 * One training step, top to bottom.
 *
 * @param ctx models, sessions, reward, estimator
 * @param prompts this step's prompts
 * @param step the 1-based global step
 * @param epoch the epoch this step belongs to
 * @returns metrics and what the samples file needs
 */
export async function trainStep(
  ctx: StepContext,
  prompts: readonly TokenizedPrompt[],
  step: number,
  epoch: number,
): Promise<StepOutput> {
  const t = new PhaseTimer();
  const t0 = performance.now();
  const samples = await t.time("gen", () => rollout(ctx, prompts, step));
  const { rewards, rewardErrors } = await t.time("reward", () => scoreRollouts(ctx, samples));
  const rows: RowTokens[] = samples.map((s) => ({
    promptIds: s.promptIds,
    responseIds: s.responseIds,
  }));
  const layout = responseLayout(samples.map((s) => s.responseIds.length));
  const old = await t.time(
    "old_log_prob",
    () => logprobs(ctx, runnerWeights(ctx.actor), rows, layout.width),
  );
  const ref = ctx.refWeights
    ? await t.time("ref", () => logprobs(ctx, ctx.refWeights!, rows, layout.width))
    : null;
  const values = ctx.critic
    ? await t.time("values", () => criticValues(ctx, rows, layout.width))
    : null;
  const adv = await t.time(
    "adv",
    () => advantagePhase(ctx, samples, rewards, layout, old, ref, values),
  );
  const critic = ctx.critic
    ? await t.time(
      "update_critic",
      () => updateCritic(ctx, rows, layout.width, values!, adv.returns, step),
    )
    : null;
  const actorOn = step > ctx.cfg.trainer.critic_warmup;
  const actor = actorOn
    ? await t.time(
      "update_actor",
      () => updateActor(ctx, rows, layout.width, old, adv.advantages, ref, step),
    )
    : null;
  if (actor) await t.time("update_weights", () => pushWeights(ctx));
  if (adv.rewardKl !== null) ctx.klController.update(adv.rewardKl, samples.length);

  const seconds = (performance.now() - t0) / 1000;
  const tokens = samples.reduce((n, s) => n + s.promptIds.length + s.responseIds.length, 0);
  const drift = logprobDrift(samples, old, layout);
  const metrics: Record<string, number> = {
    "training/global_step": step,
    "training/epoch": epoch,
    ...dataMetrics({
      samples,
      rewards,
      layout,
      tokenRewards: adv.tokenRewards,
      advantages: adv.advantages,
      returns: adv.returns,
      values,
      maxResponseLength: ctx.cfg.data.max_response_length,
    }),
    ...updateMetrics(
      "actor",
      actor,
      lrAt(step - 1, scheduleOf(ctx.cfg.actor_rollout_ref.actor.optim, ctx.totalSteps)),
    ),
    ...updateMetrics(
      "critic",
      critic,
      ctx.critic ? lrAt(step - 1, scheduleOf(ctx.cfg.critic.optim, ctx.totalSteps)) : 0,
    ),
    ...(adv.rewardKl !== null
      ? {
        "actor/reward_kl_penalty": adv.rewardKl,
        "actor/reward_kl_penalty_coeff": ctx.klController.value,
      }
      : {}),
    ...(ctx.cfg.actor_rollout_ref.actor.use_kl_loss
      ? { "actor/kl_coef": ctx.cfg.actor_rollout_ref.actor.kl_loss_coef }
      : {}),
    "health/logprob_drift/mean": drift.mean,
    "health/logprob_drift/max": drift.max,
    "health/reward_errors": rewardErrors,
    "health/nonfinite": nonFinite(old) + (ref ? nonFinite(ref) : 0) +
      (values ? nonFinite(values) : 0) +
      nonFinite(adv.advantages),
    ...(actor ? { "perf/padding_fraction/actor": actor.paddingFraction } : {}),
    ...(critic ? { "perf/padding_fraction/critic": critic.paddingFraction } : {}),
    "perf/total_num_tokens": tokens,
    "perf/time_per_step": seconds,
    "perf/throughput": tokens / seconds,
    "perf/max_memory_allocated_gb": peakMemoryGb(),
  };
  for (const [k, v] of Object.entries(t.seconds)) metrics[`timing_s/${k}`] = v;
  metrics["timing_s/step"] = seconds;
  const maxDrift = ctx.cfg.kit.max_logprob_drift;
  if (maxDrift !== null && !(drift.mean <= maxDrift)) {
    throw new Error(
      `step ${step}: the trainer's log-probs drift from the sampler's by ${
        drift.mean.toExponential(3)
      } ` +
        `on average (max ${
          drift.max.toExponential(3)
        }), above kit.max_logprob_drift=${maxDrift}: ` +
        `the rollout and training graphs disagree`,
    );
  }
  return { metrics, samples, rewards, oldLogprobs: old, advantages: adv, layout };
}
