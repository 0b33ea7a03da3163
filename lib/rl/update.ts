/**
 * The two halves of a PPO step that run a model over the batch:
 *
 * - {@link forwardRows}: a forward-only graph (old log-probs, reference log-probs, values)
 *   over every row in micro-batches, read back into the response layout;
 * - {@link ppoUpdate}: `ppo_epochs` passes over the batch in mini-batches of
 *   `ppo_mini_batch_size` rows, each one optimizer step accumulated over micro-batches (a row
 *   count, or a token budget). Every micro-batch of a mini-batch is fed the same
 *   `loss_scale`/`token_scale` ({@link aggregationScales}), so their losses and gradients sum
 *   to the mini-batch's (weights 1): the divisor is constant across micro-batches.
 *
 * A non-finite loss or gradient norm throws a {@link NonFiniteError} carrying the offending
 * micro-batches, so the trainer can write them to `OUT/nan/step-N/` and stop.
 *
 * @module
 */

import type { HostTensor, Session } from "../graph/mod.ts";
import type { TrainRunner } from "../graph/train_runner.ts";
import { type AggregationScaleOptions, aggregationScales, type LossAggMode } from "./aggregate.ts";
import {
  fromSequenceLayout,
  microBatches,
  packSequences,
  type RowTokens,
  type SequenceBatch,
  toSequenceLayout,
} from "./batch.ts";

/** How rows are grouped into micro-batches: a row count, or a token budget. */
export interface MicroBatching {
  /** Rows per micro-batch (`*_micro_batch_size_per_gpu`). */
  rowsPer?: number;
  /** Most padded tokens per micro-batch (`*_max_token_len_per_gpu` with `use_dynamic_bsz`). */
  maxTokens?: number;
}

/** A non-finite loss or gradient norm, with the batch that produced it. */
export class NonFiniteError extends Error {
  /**
   * @param what which phase and value (`update_actor: grad_norm = NaN`)
   * @param feeds the micro-batches of the offending mini-batch
   */
  constructor(what: string, readonly feeds: Record<string, HostTensor>[]) {
    super(what);
    this.name = "NonFiniteError";
  }
}

/** Copies the rows `rows` of a [allRows*width] array into a [rows.length*width] one. */
export function selectRows(values: Float32Array, rows: readonly number[], width: number) {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(values.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/**
 * The current parameters of a runner as feeds of a forward graph that takes weights as inputs.
 *
 * @param runner the train runner
 * @returns feeds by parameter name
 */
export function runnerWeights(runner: TrainRunner): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const p of runner.artifacts.manifest.params) {
    feeds[p.name] = { dtype: "float32", shape: p.shape, data: runner.state.params.get(p.name)! };
  }
  return feeds;
}

const scalar = (x: number): HostTensor => ({
  dtype: "float32",
  shape: [],
  data: new Float32Array([x]),
});

/**
 * Runs a forward graph (weights as inputs) over all rows and reads one [batch, seq] output
 * back into the response layout.
 *
 * @param session the forward session (`logprobs` or `values` output)
 * @param weights parameter feeds by name (the runner's current parameters)
 * @param rows every row's tokens
 * @param options output name, micro-batching, pad id, response-layout width
 * @returns [rows*width]
 */
export async function forwardRows(
  session: Session,
  weights: Record<string, HostTensor>,
  rows: readonly RowTokens[],
  options: { output: string; micro: MicroBatching; padId: number; width: number },
): Promise<Float32Array> {
  const out = new Float32Array(rows.length * options.width);
  const lengths = rows.map((r) => r.promptIds.length + r.responseIds.length);
  for (const idx of microBatches(lengths, options.micro)) {
    const batch = packSequences(idx.map((i) => rows[i]), { padId: options.padId });
    const { targets: _t, ...seqFeeds } = batch.feeds;
    const needsTargets = session.inputNames.includes("targets");
    const res = await session.run(
      { ...weights, ...seqFeeds, ...(needsTargets ? { targets: batch.feeds.targets } : {}) },
      [options.output],
    );
    const vals = fromSequenceLayout(res[options.output].data as Float32Array, batch, options.width);
    idx.forEach((r, i) =>
      out.set(vals.subarray(i * options.width, (i + 1) * options.width), r * options.width)
    );
  }
  return out;
}

/** Options of {@link ppoUpdate}. */
export interface PpoUpdateOptions {
  /** Rows per mini-batch (one optimizer step each). */
  miniBatchRows: number;
  /** Micro-batching inside a mini-batch. */
  micro: MicroBatching;
  /** Passes over the batch (`ppo_epochs`). */
  epochs: number;
  /** The loss aggregation the graph was built with. */
  lossAggMode: LossAggMode;
  /** `seq-mean-token-sum-norm`'s divisor options. */
  scaleOptions: AggregationScaleOptions;
  /** Learning rate of this step. */
  lr: number;
  /** Pad id of the policy's tokenizer. */
  padId: number;
  /** Which phase this is, for messages (`update_actor`). */
  phase: string;
}

/** What an update reports: mean over its optimizer steps of loss, grad norm and metrics. */
export interface UpdateResult {
  loss: number;
  gradNorm: number;
  metrics: Record<string, number>;
  optimizerSteps: number;
  /** Padded slots / all slots over every micro-batch fed (what token budgets save). */
  paddingFraction: number;
}

/**
 * PPO epochs over mini-batches, each an accumulated optimizer step.
 *
 * @param runner the model's train runner (its state is updated in place)
 * @param rows every row's tokens, in batch order
 * @param perToken per-token batch inputs in the response layout [rows*width] by graph input
 *   name (`old_logprobs`, `advantages` / `old_values`, `returns`, ...)
 * @param width the response layout's width
 * @param options batching, aggregation, lr
 * @returns mean loss, grad norm and metrics over the optimizer steps
 * @throws NonFiniteError on a non-finite loss or gradient norm
 */
export async function ppoUpdate(
  runner: TrainRunner,
  rows: readonly RowTokens[],
  perToken: Record<string, Float32Array>,
  width: number,
  options: PpoUpdateOptions,
): Promise<UpdateResult> {
  const sums: Record<string, number> = {};
  let loss = 0, gradNorm = 0, steps = 0, slots = 0, real = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let start = 0; start < rows.length; start += options.miniBatchRows) {
      const mini = range(start, Math.min(rows.length, start + options.miniBatchRows));
      const scales = aggregationScales(
        options.lossAggMode,
        mini.map((i) => rows[i].responseIds.length),
        options.scaleOptions,
      );
      const lengths = mini.map((i) => rows[i].promptIds.length + rows[i].responseIds.length);
      const feeds = microBatches(lengths, options.micro).map((local) => {
        const idx = local.map((j) => mini[j]);
        const batch = packSequences(idx.map((i) => rows[i]), { padId: options.padId });
        slots += batch.rows * batch.seq;
        real += idx.reduce((n, i) => n + rows[i].promptIds.length + rows[i].responseIds.length, 0);
        return microFeeds(batch, idx, perToken, width, scales);
      });
      const res = feeds.length === 1
        ? await runner.step(feeds[0], options.lr)
        : await runner.accumulate(feeds, options.lr, feeds.map(() => 1));
      if (!Number.isFinite(res.loss) || !Number.isFinite(res.gradNorm)) {
        throw new NonFiniteError(
          `${options.phase}: non-finite ${
            Number.isFinite(res.loss) ? `grad_norm (${res.gradNorm})` : `loss (${res.loss})`
          } in mini-batch ${steps} (rows ${mini[0]}-${mini[mini.length - 1]})`,
          feeds,
        );
      }
      loss += res.loss;
      gradNorm += res.gradNorm;
      for (const [k, v] of Object.entries(res.metrics)) sums[k] = (sums[k] ?? 0) + v;
      steps++;
    }
  }
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) metrics[k] = v / steps;
  return {
    loss: loss / steps,
    gradNorm: gradNorm / steps,
    metrics,
    optimizerSteps: steps,
    paddingFraction: slots === 0 ? 0 : 1 - real / slots,
  };
}

function microFeeds(
  batch: SequenceBatch,
  idx: readonly number[],
  perToken: Record<string, Float32Array>,
  width: number,
  scales: { lossScale: number; tokenScale: number },
): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = { ...batch.feeds };
  const shape = [batch.rows, batch.seq];
  feeds.response_mask = { dtype: "float32", shape, data: batch.responseMask };
  for (const [name, values] of Object.entries(perToken)) {
    const data = toSequenceLayout(selectRows(values, idx, width), width, batch);
    feeds[name] = { dtype: "float32", shape, data };
  }
  feeds.loss_scale = scalar(scales.lossScale);
  feeds.token_scale = scalar(scales.tokenScale);
  return feeds;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}
