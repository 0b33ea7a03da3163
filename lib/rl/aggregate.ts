/**
 * Loss aggregation (verl `core_algos.agg_loss`) as graph pieces whose divisors are graph
 * inputs, plus the host function that computes those divisors once per mini-batch.
 *
 * Why inputs: a mini-batch is split into micro-batches of unequal token counts, and their
 * gradients are summed (`TrainRunner.accumulate(micro, lr, weights all 1)`). Dividing each
 * micro-batch by its own token count (verl's legacy `dp_actor` without `global_batch_info`)
 * makes the result depend on the split (verl #2776, notes/rl.md §2.8). Here every
 * micro-batch of one mini-batch gets the same scalars `loss_scale` (the mini-batch-wide
 * divisor of the loss) and `token_scale` (its response-token count, for token-mean
 * metrics), so micro-batch losses, metrics and gradients add up to the mini-batch's.
 *
 * @module
 */

import { type DType, type Graph, op, type Value } from "../graph/mod.ts";

/** verl's `loss_agg_mode` values. */
export type LossAggMode =
  | "token-mean"
  | "seq-mean-token-sum"
  | "seq-mean-token-mean"
  | "seq-mean-token-sum-norm";

/** Every {@link LossAggMode}, in verl's order. */
export const LOSS_AGG_MODES: readonly LossAggMode[] = [
  "token-mean",
  "seq-mean-token-sum",
  "seq-mean-token-mean",
  "seq-mean-token-sum-norm",
];

/** The aggregation of one graph: its mode and the two scalar divisor inputs. */
export interface Aggregation {
  mode: LossAggMode;
  /** Scalar: the mini-batch-wide divisor of the loss (see {@link aggregationScales}). */
  lossScale: Value;
  /** Scalar: the mini-batch's response-token count (divisor of token-mean metrics). */
  tokenScale: Value;
}

/** Throws unless `mode` is a known {@link LossAggMode}, naming the known ones. */
export function checkLossAggMode(mode: string): LossAggMode {
  if (!(LOSS_AGG_MODES as readonly string[]).includes(mode)) {
    throw new Error(
      `unknown loss_agg_mode "${mode}"; supported modes are: ${LOSS_AGG_MODES.join(", ")}`,
    );
  }
  return mode as LossAggMode;
}

/**
 * Declares the scalar inputs `loss_scale` and `token_scale` (shape [], `dtype`) on `g`.
 *
 * @param g the graph (a train-step graph)
 * @param options `mode` (the loss aggregation) and `dtype` (the compute dtype)
 * @returns the aggregation the loss pieces take
 */
export function declareAggregation(
  g: Graph,
  options: { mode: LossAggMode; dtype: DType },
): Aggregation {
  return {
    mode: checkLossAggMode(options.mode),
    lossScale: g.input("loss_scale", options.dtype, []),
    tokenScale: g.input("token_scale", options.dtype, []),
  };
}

/**
 * Aggregates a per-token loss matrix into this micro-batch's share of the mini-batch loss
 * (verl `agg_loss` with the global-batch divisors of its `global_batch_info` path, dp 1):
 *
 * - `token-mean`, `seq-mean-token-sum`, `seq-mean-token-sum-norm`:
 *   `sum_{b,t}(loss*mask) / loss_scale` (the modes differ only in the divisor);
 * - `seq-mean-token-mean`: `sum_b(sum_t(loss*mask) / max(n_b, 1)) / loss_scale`, with `n_b`
 *   the row's token count (`sum_t mask`; verl adds 1e-8 instead, the same for rows with a
 *   token and for empty rows).
 *
 * @param losses [B, T] per-token losses
 * @param mask [B, T] response mask in the same dtype (1 = response token)
 * @param agg the mode and divisors ({@link declareAggregation})
 * @returns scalar
 */
export function aggregateLoss(losses: Value, mask: Value, agg: Aggregation): Value {
  const masked = op.mul(losses, mask); // [B, T]
  if (agg.mode !== "seq-mean-token-mean") {
    return op.div(op.reduceSum(masked, [0, 1]), agg.lossScale);
  }
  const rowSums = op.reduceSum(masked, [1]); // [B]
  const rowCounts = op.max(op.reduceSum(mask, [1]), 1); // [B]
  return op.div(op.reduceSum(op.div(rowSums, rowCounts), [0]), agg.lossScale);
}

/**
 * This micro-batch's share of a mini-batch token-mean: `sum_{b,t}(x*mask) / token_scale`
 * (verl `masked_mean` over the whole mini-batch), for metrics.
 *
 * @param x [B, T]
 * @param mask [B, T] in x's dtype
 * @param agg supplies `tokenScale`
 * @returns scalar
 */
export function tokenMean(x: Value, mask: Value, agg: Aggregation): Value {
  return op.div(op.reduceSum(op.mul(x, mask), [0, 1]), agg.tokenScale);
}

/** Options of {@link aggregationScales}. */
export interface AggregationScaleOptions {
  /**
   * `seq-mean-token-sum-norm`'s divisor (verl `actor.loss_scale_factor`); a constant keeps
   * the normalisation the same across steps. @default maxResponseLength
   */
  lossScaleFactor?: number | null;
  /**
   * The padded response length (verl `data.max_response_length`): what verl divides by when
   * `loss_scale_factor` is null (`loss_mask.shape[-1]`, responses padded to that length).
   */
  maxResponseLength?: number;
}

/** The two scalars every micro-batch of one mini-batch is fed. */
export interface AggregationScales {
  /** Feed as `loss_scale`. */
  lossScale: number;
  /** Feed as `token_scale`. */
  tokenScale: number;
}

/**
 * The divisors of one mini-batch, computed once on the host and fed unchanged to each of
 * its micro-batches:
 *
 * - `tokenScale` = the mini-batch's response-token count (at least 1);
 * - `token-mean`: `lossScale` = `tokenScale`;
 * - `seq-mean-token-sum`, `seq-mean-token-mean`: the number of rows with at least one
 *   response token (verl excludes fully masked rows; at least 1);
 * - `seq-mean-token-sum-norm`: `lossScaleFactor`, else `maxResponseLength` (verl divides the
 *   token sum of all rows by it, with no division by the row count).
 *
 * @param mode the loss aggregation
 * @param rowTokenCounts response tokens of each row of the mini-batch
 * @param options the divisor of `seq-mean-token-sum-norm`
 * @returns `{lossScale, tokenScale}`
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { aggregationScales } from "./aggregate.ts";
 * deepStrictEqual(aggregationScales("token-mean", [3, 0, 2]), { lossScale: 5, tokenScale: 5 });
 * deepStrictEqual(aggregationScales("seq-mean-token-mean", [3, 0, 2]), {
 *   lossScale: 2,
 *   tokenScale: 5,
 * });
 * ```
 */
export function aggregationScales(
  mode: LossAggMode,
  rowTokenCounts: readonly number[],
  options: AggregationScaleOptions = {},
): AggregationScales {
  checkLossAggMode(mode);
  for (const n of rowTokenCounts) {
    if (!(n >= 0) || !Number.isFinite(n)) {
      throw new Error(`aggregationScales: row token counts must be >= 0, got ${n}`);
    }
  }
  const tokens = rowTokenCounts.reduce((a, b) => a + b, 0);
  const tokenScale = Math.max(tokens, 1);
  if (mode === "token-mean") return { lossScale: tokenScale, tokenScale };
  if (mode === "seq-mean-token-sum-norm") {
    const factor = options.lossScaleFactor ?? options.maxResponseLength;
    if (factor === undefined || !(factor > 0)) {
      throw new Error(
        `aggregationScales: seq-mean-token-sum-norm needs lossScaleFactor or maxResponseLength > 0, got ${factor}`,
      );
    }
    return { lossScale: factor, tokenScale };
  }
  const rows = rowTokenCounts.filter((n) => n > 0).length;
  return { lossScale: Math.max(rows, 1), tokenScale };
}
