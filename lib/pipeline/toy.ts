/**
 * The embedded default of `deno task reproduce`: the GRLO pipeline in miniature, offline, on a
 * 2-core CPU.
 *
 *   toy world (seeded) -> pre-train a base model on its corpus -> train a Bradley-Terry reward
 *   model on its preference pairs -> evaluate base -> GRLO (PPO + GAE + critic on open-ended
 *   prompts, RM reward with style shaping) -> evaluate -> RLVR (GRPO on toy-math problems with
 *   the verifier, from base) -> evaluate -> GRLO -> RLVR -> evaluate -> report
 *
 * Every stage is cached by the hash of its inputs ({@link runStage}); the trainer stages also
 * resume mid-run, so a kill at any point and a rerun redo nothing that finished.
 *
 * @module
 */

import { join } from "node:path";
import { writeToyWorld } from "../../data/toy/write.ts";
import { DEFAULT_GENERATION } from "../eval/generate.ts";
import { openGenerator } from "../eval/open_generator.ts";
import { type EvalSummaryFile, runEval } from "../eval/run.ts";
import { RewardModel } from "../reward/reward_model.ts";
import { resolveConfig } from "../rl/config.ts";
import { train } from "../rl/train.ts";
import { pretrain, toyModelConfig } from "../train/pretrain.ts";
import { trainRewardModel } from "../train/reward_training.ts";
import { runStage, stageKey } from "./stage.ts";

/** The evaluation suites of the toy world, in transfer-table order. */
export const TOY_SUITES = ["toy-chat", "toy-math", "toy-code"] as const;

/**
 * Longest RM training pair: a good toy answer and its bad twin fit, and a rambling one cut
 * there still rambles; 512 costs about twice as much per step.
 */
const RM_MAX_LENGTH = 256;

/**
 * Share of the corpus's chat transcripts that end right after the answer: a real base model
 * stops by itself now and then, and RL can only reinforce a stop it sometimes makes; the rest
 * ramble on into new questions, so the base model mostly does not stop.
 */
const STOP_SHARE = 0.1;

/** How big a toy run is. */
export interface ToySizes {
  corpusBytes: number;
  pretrainSteps: number;
  rmSteps: number;
  grloSteps: number;
  rlvrSteps: number;
  evalLimit: number;
  maxTokens: number;
}

/** `--quick` (CI, smoke: a few minutes) and the full toy run. */
export const TOY_SIZES: Record<"quick" | "full", ToySizes> = {
  quick: {
    corpusBytes: 120_000,
    pretrainSteps: 120,
    rmSteps: 60,
    grloSteps: 4,
    rlvrSteps: 4,
    evalLimit: 12,
    maxTokens: 64,
  },
  full: {
    corpusBytes: 400_000,
    pretrainSteps: 600,
    rmSteps: 150,
    grloSteps: 40,
    rlvrSteps: 40,
    evalLimit: 64,
    maxTokens: 96,
  },
};

/** Options of {@link runToyPipeline}. */
export interface ToyPipelineOptions {
  /** The output directory. */
  out: string;
  /** Small sizes for CI and smoke runs. @default false */
  quick?: boolean;
  /** RL seeds per training stage (CIs over seeds in the report). @default 1 */
  seeds?: number;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Seed of the toy world and the base models. @default 1 */
  worldSeed?: number;
  /** Status lines. @default console.error */
  log?: (line: string) => void;
}

/** One evaluated model. */
export interface EvaluatedStage {
  /** `base`, `grlo`, `rlvr`, `grlo-rlvr` (a `.seedK` suffix for extra seeds). */
  stage: string;
  /** The training method (`base` for the untrained model). */
  method: "base" | "grlo" | "rlvr" | "grlo-rlvr";
  /** The RL seed, or null for base. */
  seed: number | null;
  /** The model directory evaluated. */
  model: string;
  /** Its evaluation summary. */
  summary: EvalSummaryFile;
}

/** What a training stage cost (for the report's cost table). */
export interface StageCost {
  stage: string;
  prompts: number;
  tokensGenerated: number;
  tokensTrained: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/** Everything the report needs. */
export interface ToyPipelineResult {
  out: string;
  sizes: ToySizes;
  evaluations: EvaluatedStage[];
  /** The base model on toy-math and toy-code with completion prompts (its latent skill). */
  latentSkill: EvalSummaryFile;
  costs: StageCost[];
  pretrain: { final: Record<string, number> | null; metrics: string };
  rewardModel: { final: Record<string, number> | null; metrics: string };
}

async function trainingCost(
  stage: string,
  runDir: string,
  wallSeconds: number,
  cpuSeconds: number,
): Promise<StageCost> {
  const lines = (await Deno.readTextFile(join(runDir, "metrics.jsonl"))).trim().split("\n")
    .map((l) => JSON.parse(l) as Record<string, number>).filter((m) =>
      m["training/global_step"] > 0
    );
  const cfg = JSON.parse(await Deno.readTextFile(join(runDir, "config.json")));
  const n = cfg.actor_rollout_ref.rollout.n as number;
  let generated = 0, trained = 0;
  for (const m of lines) {
    const samples = cfg.data.train_batch_size * n;
    generated += m["response_length/mean"] * samples;
    trained += m["perf/total_num_tokens"];
  }
  return {
    stage,
    prompts: lines.length * cfg.data.train_batch_size,
    tokensGenerated: Math.round(generated),
    tokensTrained: trained,
    cpuSeconds,
    wallSeconds,
  };
}

/**
 * Runs the toy pipeline (resumable).
 *
 * @param o output directory, size, seeds, threads
 * @returns the evaluations, costs and base-model training figures
 */
export async function runToyPipeline(o: ToyPipelineOptions): Promise<ToyPipelineResult> {
  const log = o.log ?? ((l: string) => console.error(l));
  const sizes = TOY_SIZES[o.quick ? "quick" : "full"];
  const worldSeed = o.worldSeed ?? 1;
  const seeds = o.seeds ?? 1;
  const threads = o.threads;
  const out = o.out;

  const worldDir = join(out, "world");
  const world = await runStage(
    worldDir,
    "world",
    stageKey({ worldSeed, corpusBytes: sizes.corpusBytes, transcriptStopShare: STOP_SHARE, v: 2 }),
    async () =>
      await writeToyWorld(worldDir, worldSeed, {
        corpusBytes: sizes.corpusBytes,
        transcriptStopShare: STOP_SHARE,
      }),
    log,
  );
  const w = (f: string) => join(worldDir, f);

  const baseDir = join(out, "base", "policy-run");
  const base = await runStage(
    baseDir,
    "pretrain",
    stageKey({ world: world.key, steps: sizes.pretrainSteps }),
    async () => {
      const r = await pretrain({
        corpus: w("corpus.jsonl"),
        val: w("corpus_val.jsonl"),
        model: toyModelConfig(),
        out: baseDir,
        steps: sizes.pretrainSteps,
        seed: worldSeed,
        threads,
        log,
      });
      return { model: r.modelDir!, final: r.final };
    },
    log,
  );

  const rmDir = join(out, "base", "reward-model-run");
  const rm = await runStage(
    rmDir,
    "reward model",
    stageKey({ base: base.key, steps: sizes.rmSteps, maxLength: RM_MAX_LENGTH }),
    async () => {
      const r = await trainRewardModel({
        pairs: w("rm_pairs_train.jsonl"),
        val: w("rm_pairs_val.jsonl"),
        init: base.result.model,
        out: rmDir,
        steps: sizes.rmSteps,
        maxLength: RM_MAX_LENGTH,
        seed: worldSeed,
        threads,
        log,
      });
      return { model: r.modelDir!, final: r.final };
    },
    log,
  );

  const evaluations: EvaluatedStage[] = [];
  const costs: StageCost[] = [];
  const evaluate = async (
    stage: string,
    method: EvaluatedStage["method"],
    seed: number | null,
    model: string,
    upstream: string,
    style: "chat" | "completion" = "chat",
  ) => {
    const dir = join(out, "eval", stage);
    const suites = style === "chat" ? [...TOY_SUITES] : ["toy-math", "toy-code"];
    const rec = await runStage(
      dir,
      `evaluate ${stage}`,
      stageKey({ upstream, sizes, rm: rm.key, style }),
      async () => {
        const source = await openGenerator({ model, modelName: stage, threads });
        const rewardModel = await RewardModel.load(rm.result.model, { name: "toy-rm", threads });
        try {
          return await runEval({
            out: dir,
            suites,
            generator: source.generator,
            model: source.identity,
            tokenizer: source.tokenizer,
            settings: { ...DEFAULT_GENERATION, maxTokens: sizes.maxTokens, promptStyle: style },
            limit: sizes.evalLimit,
            rewardModel,
            progressWrite: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
          });
        } finally {
          await source.generator.close();
          await rewardModel.release();
        }
      },
      log,
    );
    return { stage, method, seed, model, summary: rec.result };
  };

  evaluations.push(await evaluate("base", "base", null, base.result.model, base.key));
  // The latent skill: the same base model prompted in the corpus's own completion formats.
  const latent = await evaluate(
    "base-completion",
    "base",
    null,
    base.result.model,
    base.key,
    "completion",
  );

  const rlStage = async (
    method: "grlo" | "rlvr" | "grlo-rlvr",
    seed: number,
    init: { model: string; key: string },
  ) => {
    const stage = seed === 1 ? method : `${method}.seed${seed}`;
    const dir = join(out, stage);
    const isGrlo = method === "grlo";
    const overrides = [
      `actor_rollout_ref.model.path=${init.model}`,
      `critic.model.path=${init.model}`,
      `data.train_files=${isGrlo ? w("prompts_train.jsonl") : w("rlvr_math_train.jsonl")}`,
      `trainer.total_training_steps=${isGrlo ? sizes.grloSteps : sizes.rlvrSteps}`,
      `data.max_response_length=${sizes.maxTokens}`,
      `kit.seed=${seed}`,
      ...(threads ? [`kit.threads=${threads}`] : []),
      ...(isGrlo
        ? [`reward_model.model.path=${rm.result.model}`, `data.val_files=${w("prompts_val.jsonl")}`]
        : []),
    ];
    const cfg = resolveConfig({ preset: isGrlo ? "toy-grlo" : "toy-rlvr", overrides });
    const rec = await runStage(
      dir,
      `train ${stage}`,
      stageKey({ cfg, init: init.key, rm: isGrlo ? rm.key : null }),
      async () => {
        await train(cfg, { out: dir, log });
        return {
          model: join(
            dir,
            "checkpoints",
            (await Deno.readTextFile(join(dir, "checkpoints/latest"))).trim(),
            "policy",
          ),
        };
      },
      log,
    );
    costs.push(await trainingCost(stage, dir, rec.seconds, rec.cpuSeconds));
    evaluations.push(await evaluate(stage, method, seed, rec.result.model, rec.key));
    return { model: rec.result.model, key: rec.key };
  };

  const baseInit = { model: base.result.model, key: base.key };
  for (let seed = 1; seed <= seeds; seed++) {
    const grlo = await rlStage("grlo", seed, baseInit);
    await rlStage("rlvr", seed, baseInit);
    await rlStage("grlo-rlvr", seed, grlo);
  }
  return {
    out,
    sizes,
    evaluations,
    latentSkill: latent.summary,
    costs,
    pretrain: { final: base.result.final, metrics: join(baseDir, "metrics.jsonl") },
    rewardModel: { final: rm.result.final, metrics: join(rmDir, "metrics.jsonl") },
  };
}
