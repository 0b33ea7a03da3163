/**
 * HumanEval (openai/human-eval, 164 Python problems), graded as human-eval does: the program
 * `prompt + completion + "\n" + test + "\n" + "check(entry_point)"` (or a whole `solution`
 * in place of `prompt + completion`, as evalplus accepts) runs in the sandbox with a 3 s limit
 * and passes when it ends without an exception. The completion is used verbatim: stop strings
 * apply at generation time only (human-eval and evalplus never cut a finished text).
 *
 * Prompts follow evalplus' codegen: base models complete the prompt and stop at evalplus'
 * stop strings for direct completion; chat models get evalplus' instruction and answer with a
 * fenced code block, which is graded as the whole solution.
 *
 * @module
 */

import { z } from "zod";
import { loadDataset } from "../../data/resolve.ts";
import type { EvalTask, GradeResult, LoadOptions } from "../suite.ts";
import { checkHumanEvalSample, pythonSample } from "../../reward/code/python_samples.ts";
import { allowUnsandboxedFromEnv } from "../../reward/code/sandbox.ts";
import {
  type CodeGradeResult,
  codeGradeResult,
  type CodeSample,
  type SampleGradingSuite,
} from "../code_sample.ts";

const Record = z.object({
  task_id: z.string(),
  prompt: z.string(),
  entry_point: z.string(),
  canonical_solution: z.string(),
  test: z.string(),
});

/** What a HumanEval task carries as its `reference`. */
export type HumanEvalReference = z.infer<typeof Record>;

/** evalplus' stop strings for direct completion on HumanEval (provider/utility.py). */
export const HUMANEVAL_STOP = [
  "\nif __name__",
  "\ndef main(",
  "\nprint(",
  "\ndef ",
  "\nclass ",
  "\nimport ",
  "\nfrom ",
  "\nassert ",
];

/** evalplus' instruction for chat models (codegen.py). */
export function pythonInstruction(prompt: string): string {
  return "Please provide a self-contained Python script that solves the following problem " +
    "in a markdown code block:\n```\n" + prompt.trim() + "\n```\n";
}

/** Options of {@link createHumanEvalSuite}. */
export interface CodeSuiteOptions {
  /** Run code without a sandbox when none works here. @default env GRLO_ALLOW_UNSANDBOXED=1 */
  allowUnsandboxed?: boolean;
}

/**
 * Grades one HumanEval sample as human-eval's `check_correctness` does.
 *
 * @param ref the task's record
 * @param sample `{ completion }` (appended to the prompt verbatim) or `{ solution }`
 * @param options unsandboxed opt-in
 * @returns the verdict; `base_status` is human-eval's (the base tests), `plus_status` null
 */
export async function gradeHumanEvalSample(
  ref: HumanEvalReference,
  sample: CodeSample,
  options: CodeSuiteOptions = {},
): Promise<CodeGradeResult> {
  const v = await checkHumanEvalSample(ref, sample, {
    allowUnsandboxed: options.allowUnsandboxed ?? allowUnsandboxedFromEnv(),
  });
  return codeGradeResult(sample, v);
}

/**
 * Builds the HumanEval suite.
 *
 * @param options unsandboxed opt-in
 * @returns the suite: `grade` takes a generated response (a fenced block defining the entry
 *   point is the whole solution, anything else a completion), `gradeSample` a finished sample
 */
export function createHumanEvalSuite(options: CodeSuiteOptions = {}): SampleGradingSuite {
  return {
    name: "humaneval",
    domain: "code",
    defaultPromptStyle: "completion",
    async load(o: LoadOptions = {}): Promise<EvalTask[]> {
      const { records, warnings } = await loadDataset("humaneval/HumanEval.jsonl.gz", Record, {
        dataDir: o.dataDir,
        skipMalformed: o.skipMalformed,
        limit: o.limit,
      });
      for (const w of warnings) (o.onWarning ?? console.warn)(w);
      return records.map((r) => ({
        id: r.task_id,
        messages: [{ role: "user", content: pythonInstruction(r.prompt) }],
        completionPrompt: r.prompt,
        stop: HUMANEVAL_STOP,
        reference: r,
      }));
    },
    async grade(task: EvalTask, response: string): Promise<GradeResult> {
      const ref = task.reference as HumanEvalReference;
      return await gradeHumanEvalSample(ref, pythonSample(response, ref.entry_point), options);
    },
    async gradeSample(task: EvalTask, sample: CodeSample): Promise<CodeGradeResult> {
      return await gradeHumanEvalSample(task.reference as HumanEvalReference, sample, options);
    },
  };
}

/** The HumanEval suite with default options. */
export const humanevalSuite: SampleGradingSuite = createHumanEvalSuite();
