/**
 * Grading one math response against a gold answer, as the reference tools do:
 *
 * - `"qwen"` (default; MATH-500, AIME24, AMC23, GSM8K, `--suite math`): Qwen2.5-Math's
 *   evaluation. The answer is extracted and normalised (`extract_answer`), normalised once
 *   more (as `math_eval.py`'s `run_execute` does), the gold normalised with `strip_string`,
 *   and the two compared with `math_equal`.
 * - `"gsm8k-strict"`: lm-evaluation-harness GSM8K strict-match: the first `#### N` of the
 *   response, exact match after removing commas, `$` and a trailing `.` (`18.00` != `18`).
 *
 * @module
 */

import { pyFloatStr } from "./_python.ts";
import { mathEqual } from "./equal.ts";
import { cleanGsm8k, extractAnswer, extractGsm8kStrict, type ExtractionRule } from "./extract.ts";
import { stripString } from "./normalize.ts";

/** Which reference grader to agree with. */
export type MathGradeMode = "qwen" | "gsm8k-strict";

/** Options for {@link gradeMath}. */
export interface MathGradeOptions {
  /** The reference grader. @default "qwen" */
  mode?: MathGradeMode;
  /** Time limit for the equivalence checks of one response, in ms (Qwen's pool uses 3 s). @default 3000 */
  timeoutMs?: number;
  /** Keep unit words when normalising (Qwen's minerva_math / carp_en setting). @default false */
  skipUnit?: boolean;
}

/**
 * A math verdict, with how it was reached. Structurally a `GradeResult` of `lib/eval/suite.ts`
 * (defined here because lib/reward sits left of lib/eval in the data flow).
 */
export interface MathGradeResult {
  /** Whether the response is correct. */
  correct: boolean;
  /** The graded (extracted, normalised) answer, or null when none was found. */
  extracted: string | null;
  /** `"equal"`, `"not equal"`, `"no answer found"` or `"timeout"`. */
  reason: string;
  /** The normalised gold answer it was compared with. */
  gold: string;
  /** The extraction rule that found the answer (`boxed`, `last number`, ... or `#### N`). */
  rule: ExtractionRule | "#### N";
  /** The check that decided (`string`, `number`, `symbolic`, ... see `mathEqual`). */
  check: string;
}

/**
 * The text of a gold answer as Python's `str()` gives it (JSON numbers such as AMC23's
 * `27.0` arrive here as `27`; both normalise to `27`).
 *
 * @param gold the gold answer
 * @returns its text
 */
export function goldText(gold: string | number): string {
  if (typeof gold === "string") return gold;
  return Number.isInteger(gold) ? String(gold) : pyFloatStr(gold);
}

/**
 * Normalises a gold answer the way Qwen2.5-Math's `parse_ground_truth` does for data sets
 * with an `answer` field (`strip_string`).
 *
 * @param gold the gold answer
 * @param options `skipUnit`
 * @returns the normalised gold
 */
export function normalizeGold(gold: string | number, options: { skipUnit?: boolean } = {}): string {
  return stripString(goldText(gold), options);
}

/**
 * Grades a response against a gold answer.
 *
 * @param response the model's response
 * @param gold the gold answer (a final answer, not a solution; for `gsm8k-strict` the full
 *   GSM8K solution also works)
 * @param options mode, time limit, unit handling
 * @returns the verdict (`reason`: "equal", "not equal", "no answer found" or "timeout")
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradeMath } from "./grade.ts";
 * assert.equal(gradeMath("... so $x = \\boxed{\\dfrac{14}{3}}$.", "\\frac{14}{3}").correct, true);
 * assert.equal(gradeMath("#### 18.00", "18", { mode: "gsm8k-strict" }).correct, false);
 * ```
 */
export function gradeMath(
  response: string,
  gold: string | number,
  options: MathGradeOptions = {},
): MathGradeResult {
  if (options.mode === "gsm8k-strict") {
    const g = cleanGsm8k(goldText(gold));
    const pred = extractGsm8kStrict(response);
    if (pred === null) {
      return {
        correct: false,
        extracted: null,
        reason: "no answer found",
        gold: g,
        rule: "#### N",
        check: "none",
      };
    }
    const correct = pred === g;
    return {
      correct,
      extracted: pred,
      reason: correct ? "equal" : "not equal",
      gold: g,
      rule: "#### N",
      check: "string",
    };
  }
  const norm = { skipUnit: options.skipUnit };
  const g = normalizeGold(gold, norm);
  const ex = extractAnswer(response, norm);
  const pred = stripString(ex.answer, norm); // math_eval.py's run_execute normalises a second time
  // An empty answer is still compared: the reference counts "" == "" as equal (a gold that
  // normalises to "", such as MATH-500's "\\text{east}", accepts any answer-less response).
  const r = mathEqual(pred, g, { timeoutMs: options.timeoutMs });
  const reason = r.equal
    ? "equal"
    : pred === ""
    ? "no answer found"
    : r.by === "timeout"
    ? "timeout"
    : "not equal";
  const extracted = pred === "" ? null : pred;
  return { correct: r.equal, extracted, reason, gold: g, rule: ex.rule, check: r.by };
}
