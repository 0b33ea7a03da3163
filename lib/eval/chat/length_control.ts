/**
 * Length-controlled win rate: regress each question's outcome on the normalised length
 * difference x = (len_m - len_b) / (len_m + len_b) with a logistic model
 * p(x) = sigmoid(a + b x), fitted by maximum likelihood (Newton's method on the binary
 * cross-entropy, which accepts soft outcomes), and report p(0) = sigmoid(a): the win rate of
 * a response as long as the reference.
 *
 * @module
 */

import { sigmoid } from "./stats.ts";

/** A fitted logistic model p(x) = sigmoid(intercept + slope * x). */
export interface LogisticFit {
  /** a */
  intercept: number;
  /** b */
  slope: number;
  /** Newton iterations used. */
  iterations: number;
}

/** Options for {@link fitLogistic}. */
export interface LogisticOptions {
  /** L2 penalty on the slope (keeps separable data finite). @default 1e-6 */
  l2?: number;
  /** Maximum Newton iterations. @default 100 */
  maxIterations?: number;
  /** Stop when both parameter steps are below this. @default 1e-12 */
  tolerance?: number;
}

/**
 * Fits p(x) = sigmoid(a + b x) to outcomes y in [0, 1] by penalised maximum likelihood.
 *
 * @param x the covariate, one per question
 * @param y the outcomes in [0, 1] (soft or hard)
 * @param options penalty and stopping rule
 * @returns the fit
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitLogistic } from "./length_control.ts";
 * const s = (t: number) => 1 / (1 + Math.exp(-t));
 * const fit = fitLogistic([-1, 1], [s(0.3 - 2), s(0.3 + 2)], { l2: 0 });
 * assert.ok(Math.abs(fit.intercept - 0.3) < 1e-9 && Math.abs(fit.slope - 2) < 1e-9);
 * ```
 */
export function fitLogistic(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticFit {
  if (x.length !== y.length || x.length === 0) {
    throw new Error(
      `fitLogistic: need as many outcomes as covariates (>0), got ${y.length} and ${x.length}`,
    );
  }
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] <= 1) || !Number.isFinite(x[i])) {
      throw new Error(
        `fitLogistic: row ${i}: expected finite x and y in [0, 1], got x=${x[i]} y=${y[i]}`,
      );
    }
  }
  const l2 = options.l2 ?? 1e-6;
  const maxIterations = options.maxIterations ?? 100;
  const tol = options.tolerance ?? 1e-12;
  let a = 0;
  let b = 0;
  for (let it = 1; it <= maxIterations; it++) {
    // Gradient and Hessian of the negative log-likelihood (+ l2/2 * b^2).
    let ga = 0, gb = l2 * b, haa = 0, hab = 0, hbb = l2;
    for (let i = 0; i < x.length; i++) {
      const p = sigmoid(a + b * x[i]);
      const w = Math.max(p * (1 - p), 1e-12);
      ga += p - y[i];
      gb += (p - y[i]) * x[i];
      haa += w;
      hab += w * x[i];
      hbb += w * x[i] * x[i];
    }
    const det = haa * hbb - hab * hab;
    let da: number, db: number;
    if (det > 1e-300 * Math.max(1, haa * hbb)) {
      da = (hbb * ga - hab * gb) / det;
      db = (haa * gb - hab * ga) / det;
    } else { // x carries no information (all equal): fit the intercept alone
      da = ga / haa;
      db = 0;
    }
    a -= da;
    b -= db;
    if (Math.abs(da) < tol && Math.abs(db) < tol) return { intercept: a, slope: b, iterations: it };
  }
  return { intercept: a, slope: b, iterations: maxIterations };
}

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
): { winRate: number; fit: LogisticFit } {
  const fit = fitLogistic(lengthDifferences(oursLengths, refLengths), outcome, options);
  return { winRate: sigmoid(fit.intercept), fit };
}
