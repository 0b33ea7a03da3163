/**
 * MBPP+ (evalplus, v0.1.0: 399 Python problems with base and plus inputs), graded as
 * `evalplus.evaluate` does: the solution (`prompt + completion` verbatim, or a whole
 * `solution`) must match the canonical solution's outputs on every base and plus input (see
 * `lib/reward/code/evalplus.ts`); records carry `base_status` and `plus_status`. Stop strings
 * apply at generation time only: a completion that repeats the prompt's docstring, or is a
 * whole program with imports and helpers, is graded as it is, as evalplus does.
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
import type { EvalTask, GradeResult, LoadOptions } from "../suite.ts";
import { checkMbppSample, pythonSample } from "../../reward/code/python_samples.ts";
import { allowUnsandboxedFromEnv } from "../../reward/code/sandbox.ts";
import {
  type CodeGradeResult,
  codeGradeResult,
  type CodeSample,
  type SampleGradingSuite,
} from "../code_sample.ts";
import { type CodeSuiteOptions, pythonInstruction } from "./humaneval.ts";

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

/** Options of {@link createMbppPlusSuite}. */
export interface MbppPlusSuiteOptions extends CodeSuiteOptions {
  /** Expected-output cache. @default `<data cache>/mbppplus-expected` */
  cacheDir?: string;
}

/**
 * Grades one MBPP+ sample as evalplus' `check_correctness` does (base and plus inputs).
 *
 * @param ref the task's reference
 * @param sample `{ completion }` (appended to the prompt verbatim) or `{ solution }`
 * @param options unsandboxed opt-in, expected-output cache
 * @returns the verdict with evalplus' `base_status` and `plus_status`
 */
export async function gradeMbppPlusSample(
  ref: MbppReference,
  sample: CodeSample,
  options: MbppPlusSuiteOptions = {},
): Promise<CodeGradeResult> {
  const v = await checkMbppSample(ref, sample, {
    allowUnsandboxed: options.allowUnsandboxed ?? allowUnsandboxedFromEnv(),
    cacheDir: options.cacheDir,
  });
  return codeGradeResult(sample, v);
}

/**
 * Builds the MBPP+ suite.
 *
 * @param options unsandboxed opt-in, expected-output cache dir
 * @returns the suite: `grade` takes a generated response (a fenced block defining the entry
 *   point is the whole solution, anything else a completion), `gradeSample` a finished sample
 */
export function createMbppPlusSuite(options: MbppPlusSuiteOptions = {}): SampleGradingSuite {
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
      return await gradeMbppPlusSample(ref, pythonSample(response, ref.entry_point), options);
    },
    async gradeSample(task: EvalTask, sample: CodeSample): Promise<CodeGradeResult> {
      return await gradeMbppPlusSample(task.reference as MbppReference, sample, options);
    },
  };
}

/** The MBPP+ suite with default options. */
export const mbppplusSuite: SampleGradingSuite = createMbppPlusSuite();
