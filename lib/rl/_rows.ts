/**
 * Private helpers of the advantage estimators: shape checks on the response layout and
 * per-group statistics of row scores (verl's `id2score` / `id2mean` / `id2std` dicts).
 *
 * @module
 */

import type { AdvantageInput, ResponseLayout } from "./types.ts";

/**
 * Throws unless `array` has `rows*width` elements.
 *
 * @param layout the batch's layout
 * @param array a per-token array
 * @param name the array's name, for the message
 */
export function checkTokenArray(layout: ResponseLayout, array: ArrayLike<number>, name: string) {
  const n = layout.rows * layout.width;
  if (array.length !== n) {
    throw new RangeError(
      `${name} has ${array.length} elements, expected rows*width = ${layout.rows}*${layout.width} = ${n}`,
    );
  }
}

/**
 * Checks every per-token and per-row array of an estimator's input.
 *
 * @param input the estimator input
 * @param needsValues whether `values` must be present
 */
export function checkInput(input: AdvantageInput, needsValues = false) {
  if (!Number.isInteger(input.rows) || input.rows < 0 || !Number.isInteger(input.width)) {
    throw new RangeError(`bad layout: rows ${input.rows}, width ${input.width}`);
  }
  checkTokenArray(input, input.responseMask, "responseMask");
  checkTokenArray(input, input.tokenRewards, "tokenRewards");
  if (input.groups.length !== input.rows) {
    throw new RangeError(
      `groups has ${input.groups.length} elements, expected rows = ${input.rows}`,
    );
  }
  if (needsValues) {
    if (input.values === null) throw new TypeError("this estimator needs critic values, got null");
    checkTokenArray(input, input.values, "values");
  }
}

/** Per-row view of the group statistics of row scores. */
export interface GroupStats {
  /** [rows] size of the row's group. */
  size: Int32Array;
  /** [rows] mean score of the row's group (0 for a group of size 1, as verl). */
  mean: Float64Array;
  /** [rows] unbiased std of the row's group (1 for a group of size 1, as verl). */
  std: Float64Array;
}

/**
 * Groups row scores by group id and returns each row's group size, mean and unbiased std.
 * A group of size 1 gets mean 0 and std 1 (verl's convention).
 *
 * @param scores [rows] row scores
 * @param groups [rows] group ids
 * @returns the per-row statistics
 */
export function groupStats(scores: ArrayLike<number>, groups: ArrayLike<number>): GroupStats {
  const members = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const list = members.get(groups[i]);
    if (list) list.push(i);
    else members.set(groups[i], [i]);
  }
  const rows = groups.length;
  const out: GroupStats = {
    size: new Int32Array(rows),
    mean: new Float64Array(rows),
    std: new Float64Array(rows),
  };
  for (const list of members.values()) {
    const n = list.length;
    let mean = 0;
    let std = 1;
    if (n > 1) {
      for (const i of list) mean += scores[i];
      mean /= n;
      let ss = 0;
      for (const i of list) ss += (scores[i] - mean) ** 2;
      std = Math.sqrt(ss / (n - 1));
    }
    for (const i of list) {
      out.size[i] = n;
      out.mean[i] = mean;
      out.std[i] = std;
    }
  }
  return out;
}

/**
 * Puts each row's value on every response token of the row (0 at padding), as verl's
 * `scores.unsqueeze(-1) * response_mask`.
 *
 * @param perRow [rows] one value per row
 * @param layout the batch's layout
 * @returns [rows*width] float64
 */
export function broadcastRows(perRow: ArrayLike<number>, layout: ResponseLayout): Float64Array {
  const { rows, width, responseMask } = layout;
  const out = new Float64Array(rows * width);
  for (let b = 0; b < rows; b++) {
    for (let k = 0; k < width; k++) {
      const i = b * width + k;
      if (responseMask[i] !== 0) out[i] = perRow[b];
    }
  }
  return out;
}
