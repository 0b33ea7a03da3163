/**
 * What the notebooks in `notebooks/` call, so that each of their cells is loading + one call +
 * display: a rollout batch as a table, training with curves that update in place in a Jupyter
 * cell, the samples of a run's last step, evaluating a few models into one run set, and the
 * quick reproduce output the notebooks share.
 *
 * Live curves: {@link trainLive} shows the dashboard once with `Deno.jupyter.display(bundle,
 * { raw: true, display_id })` and after each step sends the new figure with `update: true`,
 * which the Deno kernel turns into an `update_display_data` message carrying the same
 * `transient.display_id`; JupyterLab, VS Code and nbclient (nbconvert) replace that output in
 * place. Outside a kernel (`deno run`) nothing is displayed.
 *
 * @module
 */

import { join } from "node:path";
import * as aq from "arquero";
import { DEFAULT_GENERATION } from "../eval/generate.ts";
import { openGenerator } from "../eval/open_generator.ts";
import { type EvalSummaryFile, runEval } from "../eval/run.ts";
import { RewardModel } from "../reward/reward_model.ts";
import type { TrainerConfig } from "../rl/config_schema.ts";
import { generateRollouts, rewardInputs } from "../rl/rollout_phase.ts";
import { setupRun, train, type TrainResult } from "../rl/train.ts";
import { rolloutSettings } from "../rl/trainer.ts";
import { loadRuns } from "../analysis/load.ts";
import { trainingDashboard } from "../analysis/figures_training.ts";
import type { PlotlyFigure } from "../analysis/plotly.ts";
import { flushDisplays } from "../analysis/iopub_flush.ts";
import { displayFigure, JUPYTER_DISPLAY } from "../analysis/render.ts";
import { runToyPipeline, TOY_SUITES, type ToyPipelineResult } from "./toy.ts";
import { buildReport, writeReportJson } from "./report.ts";
import { writeReportHtml } from "./report_html.ts";

function text(messages: readonly { role: string; content: string }[]): string {
  const user = [...messages].reverse().find((m) => m.role === "user");
  return user?.content ?? messages.map((m) => m.content).join("\n");
}

/**
 * One rollout batch of a config, scored by its reward, without training: the run is set up in
 * `out` (the same directory a later `train` resumes, so its compiled artifacts are reused),
 * the first `prompts` training prompts are sampled `rollout.n` times at step 1's seeds, and
 * every sample is scored.
 *
 * @param cfg the resolved config
 * @param options run directory, how many prompts (default 4), log
 * @returns a table: prompt, response, finish_reason, response_length, score, one column per
 *   reward term (`term/<name>`)
 */
export async function rolloutPreview(
  cfg: TrainerConfig,
  options: { out: string; prompts?: number; log?: (line: string) => void },
): Promise<aq.ColumnTable> {
  const setup = await setupRun(cfg, { out: options.out, log: options.log ?? (() => {}) });
  try {
    const prompts = setup.prompts.slice(0, options.prompts ?? 4);
    const samples = await generateRollouts(setup.ctx.generator, prompts, rolloutSettings(cfg), 1);
    const rewards = await setup.ctx.reward.score(
      rewardInputs(samples, cfg.data.max_response_length),
    );
    return aq.from(samples.map((s, i) => ({
      group: s.group,
      prompt: text(s.messages),
      response: s.responseText,
      finish_reason: s.finishReason,
      response_length: s.responseIds.length,
      score: rewards[i].score,
      ...Object.fromEntries(Object.entries(rewards[i].terms).map(([k, v]) => [`term/${k}`, v])),
    })));
  } finally {
    await setup.close();
  }
}

/** Whether this process is a Jupyter kernel (`Deno.jupyter` exists). */
function inKernel(): boolean {
  return typeof (Deno as { jupyter?: unknown }).jupyter === "object";
}

/** Options of {@link trainLive}. */
export interface TrainLiveOptions {
  /** The run directory. */
  out: string;
  /** EMA smoothing of the curves. @default 0.6 */
  smoothing?: number;
  /** The display id the figure is shown and updated under. @default `train-<out>` */
  displayId?: string;
  /** Status lines (the trainer's). @default none */
  log?: (line: string) => void;
  /** Stop after this many steps in this call. @default all */
  maxSteps?: number;
}

async function dashboard(out: string, smoothing: number): Promise<PlotlyFigure | null> {
  const set = await loadRuns([out]).catch(() => null);
  if (set === null || set.metrics.numRows() === 0) return null;
  return trainingDashboard(set.metrics, { smoothing });
}

/**
 * Trains like {@link train} and keeps a training dashboard in the current notebook cell up to
 * date: shown when the first metrics line exists, replaced in place after every step (a
 * display id and `update_display_data`, see the module doc).
 *
 * @param cfg the resolved config
 * @param options run directory, smoothing, display id, log, step limit
 * @returns the trainer's result
 */
export async function trainLive(
  cfg: TrainerConfig,
  options: TrainLiveOptions,
): Promise<TrainResult> {
  const smoothing = options.smoothing ?? 0.6;
  const displayId = options.displayId ?? `train-${options.out}`;
  let shown = false;
  let pending: Promise<void> = Promise.resolve();
  const refresh = () => {
    pending = pending.then(async () => {
      const fig = await dashboard(options.out, smoothing);
      if (fig === null || !inKernel()) return;
      await Deno.jupyter.display(displayFigure(fig)[JUPYTER_DISPLAY](), {
        raw: true,
        display_id: displayId,
        update: shown,
      });
      await flushDisplays(); // published under this cell before the next step's update
      shown = true;
    });
  };
  const result = await train(cfg, {
    out: options.out,
    maxSteps: options.maxSteps,
    log: (line) => {
      options.log?.(line);
      if (/^step \d+\//.test(line)) refresh();
    },
  });
  refresh();
  await pending;
  return result;
}

/**
 * The samples a training run wrote for its last step (`OUT/samples/step-N.jsonl`).
 *
 * @param out the run directory
 * @returns step, index, group, prompt, response, finish_reason, response_length, score,
 *   advantage_mean, one `term/<name>` column per reward term
 */
export async function lastStepSamples(out: string): Promise<aq.ColumnTable> {
  const dir = join(out, "samples");
  const steps = [...Deno.readDirSync(dir)].map((e) => /^step-(\d+)\.jsonl$/.exec(e.name))
    .filter((m) => m !== null).map((m) => Number(m![1]));
  if (steps.length === 0) throw new Error(`${dir}: no step-N.jsonl`);
  const step = Math.max(...steps);
  const lines = (await Deno.readTextFile(join(dir, `step-${step}.jsonl`))).trim().split("\n");
  return aq.from(lines.map((l) => {
    const r = JSON.parse(l);
    return {
      step: r.step,
      index: r.index,
      group: r.group,
      prompt: text(r.prompt),
      response: r.response,
      finish_reason: r.finish_reason,
      response_length: r.response_length,
      score: r.score,
      advantage_mean: r.advantage_mean,
      ...Object.fromEntries(
        Object.entries(r.terms ?? {}).map(([k, v]) => [`term/${k}`, v as number]),
      ),
    };
  }));
}

/** Options of {@link evaluateModels}. */
export interface EvaluateModelsOptions {
  /** The output directory: each model's evaluation goes to `OUT/eval/<stage>/`. */
  out: string;
  /** Stage name (`base`, `grlo`, ...) -> local model directory. */
  models: Record<string, string>;
  /** The reward model directory that judges chat suites (null: no chat judge). */
  rewardModel: string | null;
  /** Suites. @default the toy suites */
  suites?: readonly string[];
  /** Tasks per suite (null: all). @default 8 */
  limit?: number | null;
  /** Most new tokens. @default 64 */
  maxTokens?: number;
  /** `chat` or `completion` prompts. @default "chat" */
  promptStyle?: "chat" | "completion";
  /** Local data mirror for real suites (else GRLO_DATA_DIR or a download). */
  dataDir?: string;
  /** onnxruntime threads. */
  threads?: number;
}

/**
 * Evaluates each model on the suites with the kit's sampler (records are reused on a rerun),
 * into the layout {@link loadRuns} reads as one run with a stage per model.
 *
 * @param o models, reward model, suites, sizes
 * @returns each stage's summary
 */
export async function evaluateModels(
  o: EvaluateModelsOptions,
): Promise<Record<string, EvalSummaryFile>> {
  const out: Record<string, EvalSummaryFile> = {};
  const rm = o.rewardModel === null
    ? null
    : await RewardModel.load(o.rewardModel, { name: "rm", threads: o.threads });
  try {
    for (const [stage, model] of Object.entries(o.models)) {
      const source = await openGenerator({ model, modelName: stage, threads: o.threads });
      try {
        out[stage] = await runEval({
          out: join(o.out, "eval", stage),
          suites: [...(o.suites ?? TOY_SUITES)],
          generator: source.generator,
          model: source.identity,
          tokenizer: source.tokenizer,
          settings: {
            ...DEFAULT_GENERATION,
            maxTokens: o.maxTokens ?? 64,
            promptStyle: o.promptStyle ?? "chat",
          },
          limit: o.limit === undefined ? 8 : (o.limit ?? undefined),
          dataDir: o.dataDir,
          rewardModel: rm,
        });
      } finally {
        await source.generator.close();
      }
    }
  } finally {
    await rm?.release();
  }
  return out;
}

/**
 * The `deno task reproduce --quick` output the notebooks share: runs the toy pipeline with
 * quick sizes into `out` (every finished stage is reused, so a second call returns at once)
 * and writes `report.json` / `report.html` like the task.
 *
 * @param out the output directory
 * @param options log (default: none), threads
 * @returns the pipeline's result (models, evaluations, costs)
 */
export async function ensureQuickReproduce(
  out: string,
  options: { log?: (line: string) => void; threads?: number } = {},
): Promise<ToyPipelineResult> {
  const result = await runToyPipeline({
    out,
    quick: true,
    threads: options.threads,
    log: options.log ?? (() => {}),
  });
  const report = buildReport(result, "toy --quick");
  await writeReportJson(out, report);
  await writeReportHtml(out, report, result);
  return result;
}

/** The models and data of a toy reproduce output. */
export interface ReproduceModels {
  /** The toy world directory (`prompts_train.jsonl`, ...). */
  world: string;
  /** The pre-trained base model. */
  base: string;
  /** The reward model. */
  rewardModel: string;
  /** Each trained stage that finished (`grlo`, `rlvr`, `grlo-rlvr`, ...) -> its policy. */
  trained: Record<string, string>;
}

/** A stage's model path, moved under `dir` (stage records keep the path the pipeline was given). */
async function stageModel(dir: string, stage: string): Promise<string | null> {
  let model: unknown;
  try {
    model = JSON.parse(await Deno.readTextFile(join(dir, stage, "stage.json"))).result?.model;
  } catch {
    return null;
  }
  if (typeof model !== "string") return null;
  const at = `/${model}`.lastIndexOf(`/${stage}/`);
  return at < 0 ? model : join(dir, `/${model}`.slice(at + 1));
}

/**
 * Finds the models of a toy `deno task reproduce` output (from each stage's `stage.json`).
 *
 * @param dir the reproduce output directory
 * @returns the world, base model, reward model and trained policies
 * @throws when the base model or the reward model stage has not finished
 */
export async function reproduceModels(dir: string): Promise<ReproduceModels> {
  const base = await stageModel(dir, "base/policy-run");
  const rm = await stageModel(dir, "base/reward-model-run");
  if (base === null || rm === null) {
    throw new Error(
      `${dir}: no finished base model and reward model (base/*/stage.json); ` +
        "run `deno task reproduce --quick --out DIR` or ensureQuickReproduce(DIR) first",
    );
  }
  const trained: Record<string, string> = {};
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (!e.isDirectory || ["base", "eval", "world"].includes(e.name)) continue;
    const model = await stageModel(dir, e.name);
    if (model !== null) trained[e.name] = model;
  }
  return { world: join(dir, "world"), base, rewardModel: rm, trained };
}
