/**
 * The unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large Language Models Trained
 * on Code"): with n samples of which c pass, pass@k = 1 - C(n-c, k) / C(n, k), computed as
 * the product `1 - prod_{i=n-c+1..n} (1 - k/i)` so large n never overflows (as human-eval's
 * `estimate_pass_at_k`). The mean over problems is reported for a k only when every problem
 * has at least k samples.
 *
 * @module
 */

/** Sample counts of one problem. */
export interface SampleCount {
  /** Samples drawn. */
  n: number;
  /** Samples that passed. */
  c: number;
}

/** pass@k over a set of problems. */
export interface PassAtK {
  /** The k. */
  k: number;
  /** Mean over problems. */
  mean: number;
  /** Per-problem estimates, in input order. */
  perProblem: number[];
}

/**
 * The unbiased pass@k of one problem.
 *
 * @param n samples drawn
 * @param c samples that passed (0 <= c <= n)
 * @param k the k (1 <= k <= n)
 * @returns 1 - C(n-c, k)/C(n, k); 1 when n - c < k
 * @throws when the counts are inconsistent or k > n
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passAtK } from "./passk.ts";
 * assert.ok(Math.abs(passAtK(10, 3, 1) - 0.3) < 1e-15);
 * assert.equal(passAtK(5, 4, 2), 1);
 * ```
 */
export function passAtK(n: number, c: number, k: number): number {
  if (
    !Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || c < 0 || c > n || k < 1
  ) {
    throw new Error(`passAtK: expected integers 0 <= c <= n and k >= 1, got n=${n} c=${c} k=${k}`);
  }
  if (k > n) throw new Error(`passAtK: k=${k} needs at least k samples, got n=${n}`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/**
 * pass@k for every k that all problems support (n >= k for each), mean and per problem.
 *
 * @param counts per-problem sample counts
 * @param ks the k values wanted @default [1, 10, 100]
 * @returns one entry per supported k, in the order of `ks`; unsupported k are left out
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passAtKs } from "./passk.ts";
 * const r = passAtKs([{ n: 2, c: 1 }, { n: 2, c: 0 }], [1, 2, 10]);
 * assert.deepEqual(r.map((x) => [x.k, x.mean]), [[1, 0.25], [2, 0.5]]);
 * ```
 */
export function passAtKs(counts: SampleCount[], ks: number[] = [1, 10, 100]): PassAtK[] {
  if (counts.length === 0) return [];
  const minN = Math.min(...counts.map((x) => x.n));
  return ks.filter((k) => k <= minN).map((k) => {
    const perProblem = counts.map((x) => passAtK(x.n, x.c, k));
    return { k, mean: perProblem.reduce((a, b) => a + b, 0) / perProblem.length, perProblem };
  });
}

/**
 * Counts samples and passes per task from per-sample verdicts.
 *
 * @param samples one entry per graded sample
 * @returns counts per task id, in order of first appearance
 */
export function countSamples(
  samples: { taskId: string; correct: boolean }[],
): Map<string, SampleCount> {
  const counts = new Map<string, SampleCount>();
  for (const s of samples) {
    const x = counts.get(s.taskId) ?? { n: 0, c: 0 };
    x.n++;
    if (s.correct) x.c++;
    counts.set(s.taskId, x);
  }
  return counts;
}
