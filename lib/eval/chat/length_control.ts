/**
 * Length-controlled win rate: regress each question's outcome on the normalised length
 * difference x = (len_m - len_b) / (len_m + len_b) with a logistic model
 * p(x) = sigmoid(a + b x), fitted by maximum likelihood (Newton's method on the binary
 * cross-entropy, which accepts soft outcomes), and report p(0) = sigmoid(a): the win rate of
 * a response as long as the reference.
 *
 * @module
 */

import { fitLogistic, type LogisticOptions, sigmoid } from "../../util/stats.ts";

export { fitLogistic, type LogisticFit, type LogisticOptions } from "../../util/stats.ts";

/**
 * The normalised length difference of each question, (len_m - len_b) / (len_m + len_b).
 *
 * @param oursLengths lengths of our responses
 * @param refLengths lengths of the reference answers
 * @returns one value in [-1, 1] per question (0 when both are empty)
 */
export function lengthDifferences(
  oursLengths: ArrayLike<number>,
  refLengths: ArrayLike<number>,
): number[] {
  if (oursLengths.length !== refLengths.length) {
    throw new Error(
      `lengthDifferences: ${oursLengths.length} lengths of ours but ${refLengths.length} of the reference`,
    );
  }
  return Array.from({ length: oursLengths.length }, (_, i) => {
    const m = oursLengths[i];
    const r = refLengths[i];
    if (m < 0 || r < 0) throw new Error(`lengthDifferences: question ${i} has a negative length`);
    return m + r === 0 ? 0 : (m - r) / (m + r);
  });
}

/**
 * The length-controlled win rate: sigmoid(a) of the logistic fit of outcomes on the
 * normalised length difference.
 *
 * @param outcome per-question outcomes in [0, 1]
 * @param oursLengths lengths of our responses (tokens or characters)
 * @param refLengths lengths of the reference answers (same unit)
 * @param options fit options
 * @returns the win rate at zero length difference, and the fit
 */
export function lengthControlledWinRate(
  outcome: ArrayLike<number>,
  oursLengths: ArrayLike<number>,
  refLengths: ArrayLike<number>,
  options: LogisticOptions = {},
): { winRate: number; fit: ReturnType<typeof fitLogistic> } {
  const fit = fitLogistic(lengthDifferences(oursLengths, refLengths), outcome, options);
  return { winRate: sigmoid(fit.intercept), fit };
}
