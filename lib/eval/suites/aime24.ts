/**
 * AIME 2024 (I and II, 30 problems; Qwen2.5-Math's copy), graded with Qwen2.5-Math's grader
 * (golds such as `025` normalise to `25`). Task ids are the data set's `id`s (`60`..`89`).
 *
 * @module
 */

import { z } from "zod";
import { loadDataset } from "../../data/resolve.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";
import { gradeMathTask, mathTask, reportWarnings } from "./_math.ts";

const Record = z.object({
  id: z.union([z.number().int(), z.string()]),
  problem: z.string(),
  answer: z.union([z.string(), z.number()]),
});

/** The AIME24 suite. */
export const aime24: Suite = {
  name: "aime24",
  domain: "math",
  defaultPromptStyle: "chat",
  async load(options: LoadOptions = {}): Promise<EvalTask[]> {
    const r = await loadDataset("aime24/test.jsonl", Record, options);
    reportWarnings(r.warnings, options);
    return r.records.map((x) => mathTask(String(x.id), x.problem, x.answer));
  },
  grade(task: EvalTask, response: string): Promise<GradeResult> {
    return Promise.resolve(gradeMathTask(task, response));
  },
};
