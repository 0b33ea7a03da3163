/**
 * MATH-500 (the 500-problem test subset of MATH from "Let's Verify Step by Step"), graded
 * with Qwen2.5-Math's grader against the `answer` field (normalised with `strip_string`, as
 * its `parse_ground_truth` does for data with an answer field). Task ids are `unique_id`s
 * (`test/precalculus/807.json`).
 *
 * @module
 */

import { z } from "zod";
import { loadDataset } from "../../data/resolve.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";
import { gradeMathTask, mathTask, reportWarnings } from "./_math.ts";

const Record = z.object({
  problem: z.string(),
  solution: z.string(),
  answer: z.string(),
  subject: z.string(),
  level: z.number().int(),
  unique_id: z.string(),
});

/** The MATH-500 suite. */
export const math500: Suite = {
  name: "math500",
  domain: "math",
  defaultPromptStyle: "chat",
  async load(options: LoadOptions = {}): Promise<EvalTask[]> {
    const r = await loadDataset("math500/test.jsonl", Record, options);
    reportWarnings(r.warnings, options);
    return r.records.map((x) => mathTask(x.unique_id, x.problem, x.answer));
  },
  grade(task: EvalTask, response: string): Promise<GradeResult> {
    return Promise.resolve(gradeMathTask(task, response));
  },
};
