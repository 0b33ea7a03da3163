/**
 * The math grader: answer extraction, normalisation and equivalence agreeing with
 * Qwen2.5-Math's evaluation (and lm-evaluation-harness's GSM8K strict match).
 *
 * @module
 */

export { goldText, gradeMath, normalizeGold } from "./grade.ts";
export type { MathGradeMode, MathGradeOptions, MathGradeResult } from "./grade.ts";
export { cleanGsm8k, extractAnswer, extractGsm8kStrict, lastBoxed } from "./extract.ts";
export type { Extraction, ExtractionRule } from "./extract.ts";
export { stripString } from "./normalize.ts";
export type { NormalizeOptions } from "./normalize.ts";
export { mathEqual } from "./equal.ts";
export type { EqualOptions, EqualResult } from "./equal.ts";
export { symbolicEqual } from "./symbolic.ts";
export type { SymbolicVerdict } from "./symbolic.ts";
