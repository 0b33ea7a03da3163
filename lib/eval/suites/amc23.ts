/**
 * AMC 2023 (40 problems; Qwen2.5-Math's copy), graded with Qwen2.5-Math's grader. Golds
 * are JSON numbers (`27.0`); the prompt is the `question` field, as Qwen's
 * `parse_question` picks it. Task ids are the data set's `id`s (`0`..`39`).
 *
 * @module
 */

import { z } from "zod";
import { loadDataset } from "../../data/resolve.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";
import { gradeMathTask, mathTask, reportWarnings } from "./_math.ts";

const Record = z.object({
  id: z.union([z.number().int(), z.string()]),
  question: z.string(),
  answer: z.union([z.number(), z.string()]),
});

/** The AMC23 suite. */
export const amc23: Suite = {
  name: "amc23",
  domain: "math",
  defaultPromptStyle: "chat",
  async load(options: LoadOptions = {}): Promise<EvalTask[]> {
    const r = await loadDataset("amc23/test.jsonl", Record, options);
    reportWarnings(r.warnings, options);
    return r.records.map((x) => mathTask(String(x.id), x.question, x.answer));
  },
  grade(task: EvalTask, response: string): Promise<GradeResult> {
    return Promise.resolve(gradeMathTask(task, response));
  },
};
