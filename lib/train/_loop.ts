/**
 * The step loop shared by pre-training and reward-model training (private to lib/train):
 * one model, one optimizer step per training step, a batch that is a pure function of the
 * step (so a resumed run sees exactly the batches an uninterrupted one would), periodic
 * held-out evaluation, progress, checkpoints and metrics in the run-directory layout of the
 * RL trainer (lib/rl/run_dir.ts):
 *
 * ```
 * OUT/config.json              the resolved options; a resume must use the same ones
 * OUT/metrics.jsonl            one line per step (+ step 0): training/global_step, train/*, val/*, lr, tokens
 * OUT/checkpoints/step-N/      HF model directory + optimizer.safetensors + trainer_state.json
 * OUT/checkpoints/latest       names the last complete checkpoint
 * OUT/model/                   the final model (config.json, model.safetensors, tokenizer files)
 * OUT/summary.json             steps, tokens, seconds and the final held-out metrics
 * ```
 *
 * @module
 */

import { join } from "node:path";
import type { HostArray, HostTensor, TrainArtifacts } from "../graph/mod.ts";
import { TrainRunner } from "../graph/train_runner.ts";
import { loadCheckpoint, saveCheckpoint, saveModel, TOKENIZER_FILES } from "../model/checkpoint.ts";
import type { ModelConfig } from "../model/config.ts";
import type { F32Tensor } from "../model/safetensors.ts";
import { configHash } from "../rl/config.ts";
import { lrAt } from "../rl/lr_schedule.ts";
import { RunDir } from "../rl/run_dir.ts";
import { replaceDirAtomic, writeJsonAtomic } from "../util/atomic.ts";
import { createProgress } from "../util/progress.ts";

/** One step's batch. */
export interface JobBatch {
  feeds: Record<string, HostTensor>;
  /** Tokens the step trains on (counted into `tokens`). */
  tokens: number;
  /** Where the step's data came from (saved as the data position). */
  data: { epoch: number; position: number };
}

/** What the loop runs. */
export interface TrainJob {
  /** The run directory. */
  out: string;
  /** The resolved options (written to OUT/config.json; a resume must match them). */
  config: Record<string, unknown>;
  model: ModelConfig;
  /** Initial parameters (ignored when resuming). */
  initParams: ReadonlyMap<string, F32Tensor>;
  artifacts: TrainArtifacts;
  /** Directory whose tokenizer files go into checkpoints and OUT/model. */
  tokenizerDir: string;
  totalSteps: number;
  /** Peak learning rate, linear warmup steps, cosine floor as a share of the peak. */
  schedule: { lr: number; warmupSteps: number; minLrRatio: number };
  /** The batch of 0-based step `step`. */
  batch(step: number): JobBatch;
  /** Held-out metrics (`val/*`) of parameters. */
  evaluate(params: ReadonlyMap<string, HostArray>): Promise<Record<string, number>>;
  /** Evaluate every this many steps (0 = only at the start and the end). */
  evalEvery: number;
  /** Checkpoint every this many steps (and always at the last one). */
  saveEvery: number;
  /** Stop after this many steps in this call (the run stays resumable). */
  maxSteps?: number;
  /** ORT intra-op threads (undefined: ORT's default). */
  threads?: number;
  /** Status lines. */
  log: (line: string) => void;
  /** Progress label. */
  label: string;
}

/** What a run returns. */
export interface JobResult {
  /** The last completed step. */
  step: number;
  totalSteps: number;
  /** The checkpoint step this call resumed from, or null. */
  resumedFrom: number | null;
  /** The last metrics line written. */
  lastMetrics: Record<string, number> | null;
  /** Held-out metrics of the final model (when the run is complete), else null. */
  final: Record<string, number> | null;
  /** OUT/model when the run is complete, else null. */
  modelDir: string | null;
}

function tensors(
  arrays: ReadonlyMap<string, HostArray>,
  shapes: Map<string, number[]>,
) {
  return new Map<string, F32Tensor>(
    [...arrays].map(([n, d]) => [n, { shape: shapes.get(n)!, data: d as Float32Array }]),
  );
}

/** Writes the parameters as an HF model directory with the tokenizer files. */
export async function writeModelDir(
  dir: string,
  config: ModelConfig,
  params: ReadonlyMap<string, F32Tensor>,
  tokenizerDir: string,
): Promise<void> {
  await replaceDirAtomic(dir, async (tmp) => {
    await saveModel(tmp, config, params);
    for (const f of TOKENIZER_FILES) {
      try {
        await Deno.copyFile(join(tokenizerDir, f), join(tmp, f));
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
  });
}

/**
 * Runs (or resumes) a job to its last step, or `maxSteps` steps of it.
 *
 * @param job what to train and how
 * @returns the step reached, where it resumed from, the last and final metrics
 */
export async function runJob(job: TrainJob): Promise<JobResult> {
  const run = new RunDir(job.out);
  await run.create();
  const hash = configHash(job.config);
  const resumedFrom = await run.latestCheckpoint();
  if (resumedFrom !== null) {
    const prev = await run.previousConfig();
    if (prev !== null && configHash(prev) !== hash) {
      throw new Error(
        `${run.root} holds a run with different options (${
          diffKeys(prev as Record<string, unknown>, job.config)
        }); rerun with the same options or pass another --out`,
      );
    }
  }
  await run.writeConfig(job.config);
  const shapes = new Map(job.artifacts.manifest.params.map((p) => [p.name, p.shape]));
  let tokens = 0;
  let runner: TrainRunner;
  if (resumedFrom === null) {
    runner = TrainRunner.create(
      job.artifacts,
      new Map([...job.initParams].map(([n, t]) => [n, t.data])),
      { threads: job.threads },
    );
  } else {
    const c = await loadCheckpoint(run.checkpointDir(resumedFrom));
    if (!c.optimizer) throw new Error(`${run.checkpointDir(resumedFrom)}: no optimizer state`);
    const arrays = (m: Map<string, F32Tensor>) =>
      new Map<string, HostArray>([...m].map(([n, t]) => [n, t.data]));
    runner = TrainRunner.create(job.artifacts, arrays(c.params), {
      threads: job.threads,
      resume: {
        m: arrays(c.optimizer.expAvg),
        v: arrays(c.optimizer.expAvgSq),
        step: c.trainerState.step,
      },
    });
    tokens = Number(c.trainerState.state.tokens ?? 0);
  }
  try {
    const start = resumedFrom ?? 0;
    await run.truncateMetrics(start);
    job.log(
      resumedFrom === null
        ? `${job.label}: ${job.totalSteps} steps into ${run.root}`
        : `${job.label}: resuming ${run.root} from checkpoint step-${resumedFrom} (${
          job.totalSteps - start
        } steps left)`,
    );
    let lastMetrics: Record<string, number> | null = null;
    if (start === 0) {
      lastMetrics = {
        "training/global_step": 0,
        tokens: 0,
        ...await job.evaluate(runner.state.params),
      };
      await run.appendMetrics(lastMetrics);
    }
    const last = job.maxSteps ? Math.min(job.totalSteps, start + job.maxSteps) : job.totalSteps;
    const lrOptions = {
      lr: job.schedule.lr,
      warmupSteps: job.schedule.warmupSteps,
      warmupRatio: 0,
      type: "cosine" as const,
      minLrRatio: job.schedule.minLrRatio,
      numCycles: 0.5,
      totalSteps: job.totalSteps,
    };
    let shown = "";
    const progress = createProgress({
      total: last - start,
      label: job.label,
      unit: "step",
      detail: () => shown,
    });
    let trainTokens = 0, trainSeconds = 0;
    for (let step = start + 1; step <= last; step++) {
      const t0 = performance.now();
      const b = job.batch(step - 1);
      const lr = lrAt(step - 1, lrOptions);
      const r = await runner.step(b.feeds, lr);
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
        throw new Error(
          `step ${step}: non-finite loss ${r.loss} or gradient norm ${r.gradNorm}; the last good checkpoint is kept (lower --lr?)`,
        );
      }
      tokens += b.tokens;
      const seconds = (performance.now() - t0) / 1000;
      trainTokens += b.tokens;
      trainSeconds += seconds;
      const m: Record<string, number> = {
        "training/global_step": step,
        "train/loss": r.loss,
        "train/grad_norm": r.gradNorm,
        ...Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [`train/${k}`, v])),
        lr,
        tokens,
        "perf/tokens_per_s": b.tokens / seconds,
        "timing_s/step": seconds,
      };
      if ((job.evalEvery > 0 && step % job.evalEvery === 0) || step === job.totalSteps) {
        Object.assign(m, await job.evaluate(runner.state.params));
      }
      if (
        step === job.totalSteps || (job.saveEvery > 0 && step % job.saveEvery === 0) ||
        step === last
      ) {
        await saveCheckpoint(run.checkpointDir(step), {
          config: job.model,
          params: tensors(runner.state.params, shapes),
          optimizer: {
            expAvg: tensors(runner.state.m, shapes),
            expAvgSq: tensors(runner.state.v, shapes),
          },
          trainerState: {
            step: runner.state.step,
            rng: null,
            state: { globalStep: step, data: b.data, tokens, configHash: hash },
          },
        }, { sourceDir: job.tokenizerDir });
        await run.setLatest(step);
      }
      await run.appendMetrics(m);
      lastMetrics = m;
      const val = Object.entries(m).filter(([k]) => k.startsWith("val/"))
        .map(([k, v]) => `${k} ${v.toFixed(3)}`).join(" ");
      shown = `loss ${r.loss.toFixed(3)}${val ? ` ${val}` : ""} | lr ${lr.toExponential(1)} | ${
        Math.round(trainTokens / trainSeconds)
      } tok/s`;
      progress.tick();
    }
    progress.finish();
    const done = last === job.totalSteps;
    let final: Record<string, number> | null = null;
    let modelDir: string | null = null;
    if (done) {
      modelDir = join(run.root, "model");
      const params = tensors(runner.state.params, shapes);
      await writeModelDir(modelDir, job.model, params, job.tokenizerDir);
      final = Object.fromEntries(
        Object.entries(lastMetrics ?? await job.evaluate(runner.state.params))
          .filter(([k]) => k.startsWith("val/")),
      );
      if (Object.keys(final).length === 0) final = await job.evaluate(runner.state.params);
      await writeJsonAtomic(join(run.root, "summary.json"), {
        steps: job.totalSteps,
        tokens,
        final,
        model: modelDir,
      });
    }
    return { step: last, totalSteps: job.totalSteps, resumedFrom, lastMetrics, final, modelDir };
  } finally {
    await runner.release();
  }
}

function diffKeys(a: Record<string, unknown>, b: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  return keys.map((k) => `${k}: ${JSON.stringify(a[k])} -> ${JSON.stringify(b[k])}`).join(", ");
}
