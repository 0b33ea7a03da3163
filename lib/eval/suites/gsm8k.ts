/**
 * GSM8K (openai/grade-school-math, 1,319 test problems).
 *
 * - Completion style (the default for base models) is lm-evaluation-harness's `gsm8k` task:
 *   `Question: ...\nAnswer:` with k worked train examples before it (`num_fewshot: 5`,
 *   separated by a blank line), stopping at `Question:`. The harness samples its examples at
 *   random (seed 1234); this suite takes the first k train records so prompts are fixed and
 *   reproducible without Python's RNG.
 * - Chat style is Qwen2.5-Math's (`Please reason step by step, and put your final answer
 *   within \boxed{}.` as the system turn).
 * - Grading: Qwen2.5-Math's grader on the gold after `####` (commas removed) by default;
 *   `grader: "lm-eval-strict"` gives lm-eval's strict match (first `#### N`, exact string).
 *
 * Task ids are `test/<0-based line index>`.
 *
 * @module
 */

import { z } from "zod";
import { loadDataset } from "../../data/resolve.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";
import { gradeMathTask, mathMessages, type MathReference, reportWarnings } from "./_math.ts";

const Record = z.object({
  question: z.string(),
  answer: z.string().regex(/####/, "expected a solution ending in '#### N'"),
});

/** lm-evaluation-harness's stop strings for `gsm8k`. */
export const GSM8K_STOP = ["Question:", "</s>", "<|im_end|>"];

/** Options of {@link createGsm8kSuite}. */
export interface Gsm8kOptions {
  /** `qwen` (Qwen2.5-Math grader) or `lm-eval-strict` (first `#### N`, exact). @default "qwen" */
  grader?: "qwen" | "lm-eval-strict";
  /** Number of worked train examples in the completion prompt. @default 5 */
  numFewshot?: number;
}

/**
 * The gold final answer of a GSM8K solution: the text after the last `####`, commas removed.
 *
 * @param solution a GSM8K `answer` field
 * @returns the number as text
 */
export function gsm8kGold(solution: string): string {
  return solution.split("####").at(-1)!.trim().replaceAll(",", "");
}

/**
 * lm-evaluation-harness's GSM8K prompt: `Question: q\nAnswer: a` examples joined by a blank
 * line, then `Question: q\nAnswer:`.
 *
 * @param question the test question
 * @param examples worked examples (train records)
 * @returns the prompt
 */
export function gsm8kCompletionPrompt(
  question: string,
  examples: { question: string; answer: string }[],
): string {
  const shots = examples.map((e) => `Question: ${e.question}\nAnswer: ${e.answer}\n\n`).join("");
  return `${shots}Question: ${question}\nAnswer:`;
}

/**
 * Builds the GSM8K suite.
 *
 * @param options grader and number of few-shot examples
 * @returns the suite (registered as `gsm8k` with the defaults)
 */
export function createGsm8kSuite(options: Gsm8kOptions = {}): Suite {
  const numFewshot = options.numFewshot ?? 5;
  const mode = options.grader === "lm-eval-strict" ? "gsm8k-strict" : "qwen";
  return {
    name: "gsm8k",
    domain: "math",
    defaultPromptStyle: "completion",
    async load(o: LoadOptions = {}): Promise<EvalTask[]> {
      const test = await loadDataset("gsm8k/test.jsonl", Record, o);
      reportWarnings(test.warnings, o);
      const shots = numFewshot > 0
        ? (await loadDataset("gsm8k/train.jsonl", Record, { ...o, limit: numFewshot })).records
        : [];
      return test.records.map((x, i) => {
        const reference: MathReference = { answer: gsm8kGold(x.answer) };
        return {
          id: `test/${test.lines[i] - 1}`,
          messages: mathMessages(x.question),
          completionPrompt: gsm8kCompletionPrompt(x.question, shots),
          stop: GSM8K_STOP,
          reference,
        };
      });
    },
    grade(task: EvalTask, response: string): Promise<GradeResult> {
      return Promise.resolve(gradeMathTask(task, response, mode));
    },
  };
}

/** The GSM8K suite with the defaults (Qwen grader, 5 examples). */
export const gsm8k: Suite = createGsm8kSuite();
