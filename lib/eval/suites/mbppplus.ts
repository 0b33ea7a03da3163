/**
 * MBPP+ (evalplus, v0.1.0: 399 Python problems with base and plus inputs), graded as
 * `evalplus.evaluate` does: the solution (`prompt + completion`, or a whole `solution`) must
 * match the canonical solution's outputs on every base and plus input (see
 * `lib/reward/code/evalplus.ts`).
 *
 * The data file holds integers beyond 2^53 and `Infinity`, which JSON.parse would change or
 * reject, so each task keeps its raw JSONL line for the Python side; the schema is checked on
 * a copy where bare `NaN`/`Infinity` tokens read as null.
 *
 * @module
 */

import { z } from "zod";
import { resolveDataFile } from "../../data/resolve.ts";
import { parseJsonl, readMaybeGzipText } from "../../data/jsonl.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";
import { codeFromResponse, pythonDefinition, truncateAtStop } from "../../reward/code/programs.ts";
import { checkMbppSolution } from "../../reward/code/evalplus.ts";
import { allowUnsandboxedFromEnv, type CodeSuiteOptions, pythonInstruction } from "./humaneval.ts";

const Record = z.object({
  task_id: z.string().regex(/^Mbpp\/\d+$/),
  prompt: z.string(),
  entry_point: z.string(),
  canonical_solution: z.string(),
  base_input: z.array(z.unknown()),
  plus_input: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]), // Mbpp/793: {}
  atol: z.number().nullable(),
});

/** What an MBPP+ task carries as its `reference`. */
export interface MbppReference {
  /** The task's JSONL line, verbatim (exact integers, `Infinity`). */
  record: string;
  prompt: string;
  entry_point: string;
}

/** evalplus' stop strings for direct completion on MBPP (provider/utility.py). */
export const MBPP_STOP = ["\nif __name__", "\ndef main(", "\nprint(", '\n"""', "\nassert"];

/**
 * Replaces the bare tokens `NaN`, `Infinity` and `-Infinity` (Python's JSON extensions)
 * outside strings with `null`, so a standard JSON parser can check the structure.
 *
 * @param text JSON text as Python's json module writes it
 * @returns standard JSON text
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonJsonToStandard } from "./mbppplus.ts";
 * assert.equal(pythonJsonToStandard('[-Infinity, "NaN", NaN]'), '[null, "NaN", null]');
 * ```
 */
export function pythonJsonToStandard(text: string): string {
  if (!/NaN|Infinity/.test(text)) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (m !== null) {
      out += "null";
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * Builds the MBPP+ suite.
 *
 * @param options unsandboxed opt-in, expected-output cache dir
 * @returns the suite
 */
export function createMbppPlusSuite(options: CodeSuiteOptions & { cacheDir?: string } = {}): Suite {
  return {
    name: "mbppplus",
    domain: "code",
    defaultPromptStyle: "completion",
    async load(o: LoadOptions = {}): Promise<EvalTask[]> {
      const file = await resolveDataFile("mbppplus/MbppPlus-v0.1.0.jsonl", { dataDir: o.dataDir });
      const text = await readMaybeGzipText(file.path);
      const rawLines = text.split("\n");
      const { records, lines, warnings } = parseJsonl(
        pythonJsonToStandard(text),
        file.path,
        Record,
        { skipMalformed: o.skipMalformed, limit: o.limit },
      );
      for (const w of warnings) (o.onWarning ?? console.warn)(w);
      return records.map((r, k) => ({
        id: r.task_id,
        messages: [{ role: "user", content: pythonInstruction(r.prompt) }],
        completionPrompt: r.prompt,
        stop: MBPP_STOP,
        reference: {
          record: rawLines[lines[k] - 1].replace(/\r$/, ""),
          prompt: r.prompt,
          entry_point: r.entry_point,
        } satisfies MbppReference,
      }));
    },
    async grade(task: EvalTask, response: string): Promise<GradeResult> {
      const ref = task.reference as MbppReference;
      const picked = codeFromResponse(response, pythonDefinition(ref.entry_point));
      const solution = "solution" in picked
        ? picked.solution
        : ref.prompt + truncateAtStop(picked.completion, task.stop);
      const v = await checkMbppSolution(ref.record, solution, {
        allowUnsandboxed: options.allowUnsandboxed ?? allowUnsandboxedFromEnv(),
        cacheDir: options.cacheDir,
      });
      const extracted = "solution" in picked ? picked.solution : solution.slice(ref.prompt.length);
      return { correct: v.passed, extracted, reason: v.reason };
    },
  };
}

/** The MBPP+ suite with default options. */
export const mbppplusSuite: Suite = createMbppPlusSuite();
