/**
 * The Bradley-Terry pairwise loss of reward-model training, `-log sigmoid(r(chosen) -
 * r(rejected))` (InstructGPT §3.5, OpenRLHF `PairWiseLoss`), as a graph piece, and the
 * train-step spec of a one-label sequence-classification model trained with it.
 *
 * Batch layout of {@link rewardTrainSpec}: `input_ids`, `attention_mask`, `position_ids`
 * int64 [2P, T] with the P chosen rows first and the P rejected rows after them (pair i is
 * rows i and P + i), right or left padded (the score is read at each row's last real token),
 * and `pair_mask` [P] in the compute dtype (1 = a real pair, 0 = filler in a short last batch).
 *
 * @module
 */

import { type Graph, type LossOutputs, op, type TrainStepSpec, type Value } from "../graph/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import { declareSequenceInputs, type ModelDType, sequenceScores } from "../model/heads.ts";
import { parameterSpecs } from "../model/params.ts";

/**
 * `-log sigmoid(d)` per element, computed without overflow for any `d` and with the exact
 * gradient `sigmoid(d) - 1` everywhere (at `d = 0` too, where a zero-initialised head starts):
 * `log(1 + exp(-d))` for `d >= 0`, `log(1 + exp(d)) - d` below, each branch fed a clamped
 * argument so the branch not taken stays finite.
 *
 * @param d margins `r(chosen) - r(rejected)`, any shape
 * @returns the per-element loss, same shape
 */
export function negLogSigmoid(d: Value): Value {
  const nonNeg = op.greaterOrEqual(d, 0);
  const pos = op.where(nonNeg, d, 0); // d where d >= 0, else 0
  const neg = op.where(nonNeg, 0, d); // d where d < 0, else 0
  const upper = op.log(op.add(op.exp(op.neg(pos)), 1));
  const lower = op.sub(op.log(op.add(op.exp(neg), 1)), neg);
  return op.where(nonNeg, upper, lower);
}

/** The loss and its metrics from {@link bradleyTerryLoss}. */
export interface BradleyTerryOutputs extends LossOutputs {
  metrics: {
    /** Share of real pairs with r(chosen) > r(rejected). */
    accuracy: Value;
    /** Mean margin r(chosen) - r(rejected) over real pairs. */
    margin: Value;
  };
}

/**
 * Mean Bradley-Terry loss over the real pairs: `sum(mask * -log sigmoid(c - r)) /
 * max(sum(mask), 1)`, with pairwise accuracy and mean margin as metrics.
 *
 * @param chosen scores of the chosen responses [P]
 * @param rejected scores of the rejected responses [P]
 * @param pairMask [P], 1 for pairs that count
 * @returns `{loss, metrics: {accuracy, margin}}`
 */
export function bradleyTerryLoss(
  chosen: Value,
  rejected: Value,
  pairMask: Value,
): BradleyTerryOutputs {
  const d = op.sub(chosen, rejected); // [P]
  const count = op.max(op.reduceSum(pairMask, [0]), 1);
  const mean = (x: Value) => op.div(op.reduceSum(op.mul(x, pairMask), [0]), count);
  const wins = op.cast(op.greater(d, 0), d.dtype);
  return { loss: mean(negLogSigmoid(d)), metrics: { accuracy: mean(wins), margin: mean(d) } };
}

/** Options of {@link rewardTrainSpec}. */
export interface RewardTrainOptions {
  /** Compute dtype. @default "float32" */
  dtype?: ModelDType;
  /** AdamW hyper-parameters. */
  optimizer?: TrainStepSpec["optimizer"];
  /** Gradient-norm clipping (0 = none). @default 0 */
  maxGradNorm?: number;
}

/**
 * The train-step spec of Bradley-Terry training of a one-label seq-cls model: every HF
 * parameter trainable, the batch as the module doc describes.
 *
 * @param config a seq-cls config with one label (`valueModelConfig` of a causal LM)
 * @param options dtype, optimizer, clipping
 * @returns a spec for `buildTrainArtifacts`
 */
export function rewardTrainSpec(
  config: ModelConfig,
  options: RewardTrainOptions = {},
): TrainStepSpec {
  if (config.task !== "seq-cls" || config.numLabels !== 1) {
    throw new Error(
      `rewardTrainSpec: needs a one-label seq-cls config, got ${config.architecture} with ${config.numLabels} labels`,
    );
  }
  return {
    params: parameterSpecs(config).map((s) => ({ name: s.name, shape: [...s.shape] })),
    build: (g: Graph, params) => {
      const dtype = params.get("score.weight")!.dtype;
      const inp = declareSequenceInputs(g);
      const pairMask = g.input("pair_mask", dtype, ["pairs"]);
      const scores = op.reshape(sequenceScores(config, params, inp), [2, -1]); // [2B, 1] -> [2, P]
      const [c, r] = op.split(scores, 0, [1, 1]).map((s) => op.reshape(s, [-1])); // [P] each
      return bradleyTerryLoss(c, r, pairMask);
    },
    dtype: options.dtype ?? "float32",
    optimizer: options.optimizer,
    maxGradNorm: options.maxGradNorm,
  };
}
