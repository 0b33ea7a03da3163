/**
 * Shared pieces of the math suites: the Qwen2.5-Math prompts, stop strings and grading.
 *
 * Chat style is Qwen2.5-Math's `qwen25-math-cot` template (system instruction + the problem);
 * completion style is its `deepseek-math` template (same instruction in a `User:` /
 * `Assistant:` frame), both from QwenLM/Qwen2.5-Math `evaluation/utils.py`.
 *
 * @module
 */

import { gradeMath, type MathGradeMode } from "../../reward/math/grade.ts";
import type { ChatMessage, EvalTask, GradeResult, LoadOptions } from "../suite.ts";

/** Qwen2.5-Math's chain-of-thought instruction. */
export const MATH_INSTRUCTION =
  "Please reason step by step, and put your final answer within \\boxed{}.";

/** Stop strings for completion-style math prompts. */
export const MATH_STOP = ["\n\nUser:", "</s>", "<|im_end|>", "<|endoftext|>"];

/** What a math task carries as its `reference`: the gold answer as the data set writes it. */
export interface MathReference {
  /** The gold answer (AMC23's are JSON numbers). */
  answer: string | number;
}

/**
 * Chat messages for a math problem (`qwen25-math-cot`).
 *
 * @param problem the problem text
 * @returns system instruction + user problem
 */
export function mathMessages(problem: string): ChatMessage[] {
  return [{ role: "system", content: MATH_INSTRUCTION }, { role: "user", content: problem }];
}

/**
 * Completion prompt for a math problem (`deepseek-math` template of Qwen2.5-Math).
 *
 * @param problem the problem text
 * @returns the prompt
 */
export function mathCompletionPrompt(problem: string): string {
  return `User: ${problem}\n${MATH_INSTRUCTION}\n\nAssistant:`;
}

/**
 * Builds a math task.
 *
 * @param id the task id
 * @param problem the problem text
 * @param answer the gold answer
 * @returns the task
 */
export function mathTask(id: string, problem: string, answer: string | number): EvalTask {
  const reference: MathReference = { answer };
  return {
    id,
    messages: mathMessages(problem),
    completionPrompt: mathCompletionPrompt(problem),
    stop: MATH_STOP,
    reference,
  };
}

/**
 * Grades a response against a math task's gold answer.
 *
 * @param task a task built by {@link mathTask} (or with a {@link MathReference})
 * @param response the model response
 * @param mode the reference grader @default "qwen"
 * @returns the verdict (a `MathGradeResult`: also the normalised gold, rule and check)
 */
export function gradeMathTask(
  task: EvalTask,
  response: string,
  mode: MathGradeMode = "qwen",
): GradeResult {
  const ref = task.reference as MathReference;
  if (ref === null || typeof ref !== "object" || !("answer" in ref)) {
    throw new Error(
      `task ${task.id}: reference must be {answer}, got ${JSON.stringify(task.reference)}`,
    );
  }
  return gradeMath(response, ref.answer, { mode });
}

/**
 * Reports load warnings through the caller's handler.
 *
 * @param warnings the messages
 * @param options load options (`onWarning`, default console.warn)
 */
export function reportWarnings(warnings: string[], options: LoadOptions): void {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  for (const w of warnings) warn(w);
}
