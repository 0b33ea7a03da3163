/**
 * The generic `math` suite: any JSONL file of math problems that carry their own answers,
 * graded with Qwen2.5-Math's grader (the `--suite math` re-grading mode).
 *
 * Each record needs the problem as `problem`, `question` or `prompt` (the first present, as
 * Qwen's `parse_question` picks it) and the gold as `answer` (string or number) or, failing
 * that, a `solution` whose answer is extracted like Qwen's `parse_ground_truth` does for MATH.
 * The id is `id`, else `unique_id`, else `idx`, else the 0-based line index.
 *
 * @module
 */

import { z } from "zod";
import { readJsonl } from "../../data/jsonl.ts";
import { extractAnswer } from "../../reward/math/extract.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";
import { gradeMathTask, mathTask, reportWarnings } from "./_math.ts";

const Id = z.union([z.string(), z.number()]);

const Record = z.object({
  id: Id.optional(),
  unique_id: Id.optional(),
  idx: Id.optional(),
  problem: z.string().optional(),
  question: z.string().optional(),
  prompt: z.string().optional(),
  answer: z.union([z.string(), z.number()]).optional(),
  solution: z.string().optional(),
}).superRefine((r, ctx) => {
  if (r.problem === undefined && r.question === undefined && r.prompt === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["problem"],
      message: "expected the problem as problem, question or prompt (string)",
    });
  }
  if (r.answer === undefined && r.solution === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["answer"],
      message: "expected the gold as answer (string or number) or solution (string)",
    });
  }
});

/** The generic math suite; `load` needs `options.file`. */
export const mathFile: Suite = {
  name: "math",
  domain: "math",
  defaultPromptStyle: "chat",
  async load(options: LoadOptions = {}): Promise<EvalTask[]> {
    if (options.file === undefined) {
      throw new Error(
        "suite math grades your own data: give a JSONL file (LoadOptions.file) whose records carry " +
          "problem|question|prompt and answer (or a solution with \\boxed{})",
      );
    }
    const r = await readJsonl(options.file, Record, options);
    reportWarnings(r.warnings, options);
    return r.records.map((x, i) => {
      const problem = (x.problem ?? x.question ?? x.prompt)!;
      const answer = x.answer ?? extractAnswer(x.solution!).raw;
      const id = x.id ?? x.unique_id ?? x.idx ?? r.lines[i] - 1;
      return mathTask(String(id), problem, answer);
    });
  },
  grade(task: EvalTask, response: string): Promise<GradeResult> {
    return Promise.resolve(gradeMathTask(task, response));
  },
};
