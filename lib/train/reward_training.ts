/**
 * Bradley-Terry reward-model training: a one-label sequence-classification model (the
 * backbone of a causal LM from `--init`, a new zero `score.weight` head, as
 * `initValueModel` derives it) trained on `{prompt, chosen, rejected}` pairs with
 * `-log sigmoid(r(chosen) - r(rejected))` (bt_loss.ts). Pairs are rendered with the model's
 * own chat template by `encodeRewardPair`, the function `RewardModel` scores with, so
 * `RewardModel.load(OUT/model)` reads exactly what was trained. Held-out pairwise accuracy
 * is measured at the start, every `evalEvery` steps and at the end; checkpoints, resume and
 * metrics follow `_loop.ts`; `OUT/model/` is a `*ForSequenceClassification` HF directory
 * with the tokenizer and its chat template.
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
import { padBatch } from "../model/batch.ts";
import { loadModel } from "../model/checkpoint.ts";
import type { ModelConfig } from "../model/config.ts";
import { toHfConfigJson } from "../model/config_io.ts";
import { buildRewardGraph } from "../model/graphs.ts";
import { parameterSpecs } from "../model/params.ts";
import { initValueModel } from "../model/value_model.ts";
import { promptsOfStep, stepsPerEpoch } from "../rl/prompts.ts";
import { loadTokenizer } from "../tokenizer/mod.ts";
import { Rng } from "../util/rng.ts";
import { rewardTrainSpec } from "./bt_loss.ts";
import { type JobResult, runJob } from "./_loop.ts";
import { type EncodedPair, encodePairs, loadPairs, type PreferencePair } from "./pairs.ts";

/** Options of {@link trainRewardModel}. */
export interface RewardTrainingOptions {
  /** JSONL of `{prompt, chosen, rejected}`. */
  pairs: string;
  /** Held-out pairs; when absent, `valFraction` of the pairs is held out. */
  val?: string;
  /** Share of pairs held out without a `val` file. @default 0.1 */
  valFraction?: number;
  /** The causal LM (or one-label seq-cls model) whose backbone starts the reward model. */
  init: string;
  /** The run directory. */
  out: string;
  /** Optimizer steps. @default 200 */
  steps?: number;
  /** Peak learning rate. @default 1e-3 */
  lr?: number;
  /** Pairs per step. @default 8 */
  batch?: number;
  /** Longest sequence (longer pairs are cut inside the response). @default min(512, max_position_embeddings) */
  maxLength?: number;
  /** Seed of the split and the pair order. @default 0 */
  seed?: number;
  /** Linear warmup steps. @default min(20, steps / 10) */
  warmup?: number;
  /** Cosine floor as a share of the peak lr. @default 0.1 */
  minLrRatio?: number;
  /** AdamW decoupled weight decay. @default 0 */
  weightDecay?: number;
  /** Gradient global-norm clip. @default 1 */
  maxGradNorm?: number;
  /** Held-out accuracy every this many steps. @default 25 */
  evalEvery?: number;
  /** Checkpoint every this many steps. @default 50 */
  saveEvery?: number;
  /** Stop after this many steps in this call (resumable). */
  maxSteps?: number;
  /** ORT intra-op threads. */
  threads?: number;
  /** Status lines. @default console.error */
  log?: (line: string) => void;
}

function split(pairs: PreferencePair[], fraction: number, seed: number, file: string) {
  if (pairs.length < 2) {
    throw new Error(
      `${file}: ${pairs.length} pair cannot be split into train and held-out parts; give --val FILE`,
    );
  }
  const order = pairs.map((_, i) => i);
  new Rng(seed * 7919 + 29).shuffle(order);
  const n = Math.min(pairs.length - 1, Math.max(1, Math.ceil(fraction * pairs.length)));
  const held = new Set(order.slice(0, n));
  return { train: pairs.filter((_, i) => !held.has(i)), val: pairs.filter((_, i) => held.has(i)) };
}

/**
 * The feeds of a batch of encoded pairs: chosen rows then rejected rows, right padded.
 *
 * @param pairs the encoded pairs of the batch
 * @param padId the pad id
 * @returns feeds of `rewardTrainSpec` and the number of tokens
 */
export function pairBatch(
  pairs: readonly EncodedPair[],
  padId: number,
): { feeds: Record<string, HostTensor>; tokens: number } {
  const rows = [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)];
  const b = padBatch(rows, { side: "right", padId });
  return {
    feeds: {
      ...b.feeds,
      pair_mask: {
        dtype: "float32",
        shape: [pairs.length],
        data: new Float32Array(pairs.length).fill(1),
      },
    },
    tokens: rows.reduce((n, r) => n + r.length, 0),
  };
}

/**
 * Held-out loss and pairwise accuracy of a reward model's parameters.
 *
 * @param session a `buildRewardGraph(config, {weights: "inputs"})` session
 * @param config the seq-cls config
 * @param params the parameters
 * @param pairs encoded held-out pairs
 * @param padId the pad id
 * @returns `val/loss`, `val/accuracy`, `val/margin`
 */
export async function heldOutPairMetrics(
  session: Session,
  config: ModelConfig,
  params: ReadonlyMap<string, HostArray>,
  pairs: readonly EncodedPair[],
  padId: number,
): Promise<Record<string, number>> {
  const weights: Record<string, HostTensor> = {};
  for (const s of parameterSpecs(config)) {
    weights[s.name] = { dtype: "float32", shape: s.shape, data: params.get(s.name)! };
  }
  let loss = 0, wins = 0, margin = 0;
  for (let i = 0; i < pairs.length; i += 8) {
    const chunk = pairs.slice(i, i + 8);
    const rows = [...chunk.map((p) => p.chosen), ...chunk.map((p) => p.rejected)];
    const b = padBatch(rows, { side: "right", padId });
    const s = (await session.run({ ...weights, ...b.feeds }, ["scores"])).scores
      .data as Float32Array;
    for (let k = 0; k < chunk.length; k++) {
      const d = s[k] - s[chunk.length + k];
      loss += Math.max(-d, 0) + Math.log1p(Math.exp(-Math.abs(d)));
      wins += d > 0 ? 1 : 0;
      margin += d;
    }
  }
  const n = pairs.length;
  return { "val/loss": loss / n, "val/accuracy": wins / n, "val/margin": margin / n };
}

/**
 * Trains a Bradley-Terry reward model (or resumes the run in `out`).
 *
 * @param options pairs, init model, run directory, hyper-parameters
 * @returns the step reached, where it resumed from, the final held-out metrics, OUT/model
 */
export async function trainRewardModel(options: RewardTrainingOptions): Promise<JobResult> {
  const log = options.log ?? ((l: string) => console.error(l));
  const steps = options.steps ?? 200, seed = options.seed ?? 0;
  const base = await loadModel(options.init);
  const tokenizer = await loadTokenizer(options.init);
  if (tokenizer.chatTemplate === null) {
    throw new Error(`${options.init}: the tokenizer has no chat template to render pairs with`);
  }
  const { config, params } = initValueModel(base.config, base.params, {
    head: base.config.task === "seq-cls" ? "keep" : "zero",
  });
  const all = await loadPairs(options.pairs);
  const parts = options.val === undefined
    ? split(all, options.valFraction ?? 0.1, seed, options.pairs)
    : { train: all, val: await loadPairs(options.val) };
  const maxLength = options.maxLength ?? Math.min(512, config.maxPositionEmbeddings);
  const train = encodePairs(parts.train, tokenizer, maxLength);
  const val = encodePairs(parts.val, tokenizer, maxLength);
  const cut = [...train, ...val].filter((p) => p.truncated).length;
  const batch = Math.min(options.batch ?? 8, train.length);
  const padId = tokenizer.padTokenId ?? config.padTokenId ?? 0;
  log(
    `pairs: ${train.length} train, ${val.length} held out` +
      (cut ? ` (${cut} cut to ${maxLength} tokens)` : ""),
  );
  const hyper = {
    lr: options.lr ?? 1e-3,
    warmup: options.warmup ?? Math.min(20, Math.floor(steps / 10)),
    minLrRatio: options.minLrRatio ?? 0.1,
    weightDecay: options.weightDecay ?? 0,
    maxGradNorm: options.maxGradNorm ?? 1,
  };
  const trainOptions = {
    optimizer: { weightDecay: hyper.weightDecay },
    maxGradNorm: hyper.maxGradNorm,
  };
  const artifacts = await cachedTrainArtifacts(
    join(options.out, "artifacts"),
    JSON.stringify({ config, trainOptions, loss: "bradley-terry" }),
    () => rewardTrainSpec(config, trainOptions),
  );
  const session = await Session.create(
    encodeModel(buildRewardGraph(config, { weights: "inputs" })),
    { threads: options.threads },
  );
  try {
    return await runJob({
      out: options.out,
      config: {
        kind: "train-rm",
        pairs: options.pairs,
        val: options.val ?? null,
        valFraction: options.val === undefined ? (options.valFraction ?? 0.1) : null,
        init: options.init,
        model: toHfConfigJson(config),
        steps,
        batch,
        maxLength,
        seed,
        ...hyper,
      },
      model: config,
      initParams: params,
      artifacts,
      tokenizerDir: options.init,
      totalSteps: steps,
      schedule: { lr: hyper.lr, warmupSteps: hyper.warmup, minLrRatio: hyper.minLrRatio },
      batch: (step) => {
        const { epoch, indices } = promptsOfStep(step, train.length, {
          batchSize: batch,
          shuffle: true,
          seed,
        });
        const b = pairBatch(indices.map((i) => train[i]), padId);
        const position = (step % stepsPerEpoch(train.length, batch)) * batch;
        return { ...b, data: { epoch, position } };
      },
      evaluate: (p) => heldOutPairMetrics(session, config, p, val, padId),
      evalEvery: options.evalEvery ?? 25,
      saveEvery: options.saveEvery ?? 50,
      maxSteps: options.maxSteps,
      threads: options.threads,
      log,
      label: "train-rm",
    });
  } finally {
    await session.release();
  }
}
