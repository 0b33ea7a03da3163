/**
 * HumanEval-TS (MultiPL-E's TypeScript translation, 159 problems), graded as MultiPL-E's
 * `eval_ts.py` does: `prompt + completion + "\n" + tests`, the completion cut at the first of
 * the task's stop tokens, compiled with `tsc --target esnext` (a type error fails it) and run
 * with `node`; it passes iff node exits with 0. The data has no reference solutions.
 *
 * @module
 */

import { z } from "zod";
import { loadDataset } from "../../data/resolve.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";
import {
  codeFromResponse,
  multiplEProgram,
  truncateAtStop,
  typescriptDefinition,
} from "../../reward/code/programs.ts";
import { runTypeScriptProgram } from "../../reward/code/typescript.ts";
import { sharedTscService } from "../../reward/code/tsc_service.ts";
import { allowUnsandboxedFromEnv } from "../../reward/code/sandbox.ts";
import type { CodeSuiteOptions } from "./humaneval.ts";

const Record = z.object({
  name: z.string(),
  language: z.literal("ts"),
  prompt: z.string(),
  tests: z.string(),
  stop_tokens: z.array(z.string()),
});

/** What a HumanEval-TS task carries as its `reference`. */
export interface HumanEvalTsReference {
  prompt: string;
  tests: string;
  stop_tokens: string[];
  /** The function under test (`strlen`), read from `let candidate = strlen;` in the tests. */
  entry_point: string;
}

/**
 * The function a MultiPL-E test calls: `let candidate = NAME;` in the tests, else the last
 * `function NAME(` of the prompt.
 *
 * @param prompt the task prompt
 * @param tests the task tests
 * @returns the name
 * @throws when neither is found
 */
export function multiplEEntryPoint(prompt: string, tests: string): string {
  const fromTests = /let\s+candidate\s*=\s*([A-Za-z_$][\w$]*)\s*;/.exec(tests);
  if (fromTests) return fromTests[1];
  const fns = [...prompt.matchAll(/function\s+([A-Za-z_$][\w$]*)\s*[(<]/g)];
  if (fns.length > 0) return fns[fns.length - 1][1];
  throw new Error("no function name in the prompt or tests");
}

/** The instruction chat models get (MultiPL-E defines none; this mirrors evalplus'). */
export function typescriptInstruction(prompt: string): string {
  return "Please complete the following TypeScript function and reply with the whole " +
    "function in a markdown code block:\n```typescript\n" + prompt.trim() + "\n```\n";
}

/**
 * Builds the HumanEval-TS suite.
 *
 * @param options unsandboxed opt-in
 * @returns the suite
 */
export function createHumanEvalTsSuite(options: CodeSuiteOptions = {}): Suite {
  return {
    name: "humaneval-ts",
    domain: "code",
    defaultPromptStyle: "completion",
    async load(o: LoadOptions = {}): Promise<EvalTask[]> {
      const { records, lines, warnings } = await loadDataset(
        "humaneval-ts/humaneval-ts.jsonl",
        Record,
        { dataDir: o.dataDir, skipMalformed: o.skipMalformed, limit: o.limit },
      );
      for (const w of warnings) (o.onWarning ?? console.warn)(w);
      return records.map((r, k) => {
        let entry: string;
        try {
          entry = multiplEEntryPoint(r.prompt, r.tests);
        } catch (e) {
          throw new Error(`humaneval-ts.jsonl:${lines[k]}: ${(e as Error).message}`);
        }
        return {
          id: r.name,
          messages: [{ role: "user", content: typescriptInstruction(r.prompt) }],
          completionPrompt: r.prompt,
          stop: r.stop_tokens,
          reference: {
            prompt: r.prompt,
            tests: r.tests,
            stop_tokens: r.stop_tokens,
            entry_point: entry,
          } satisfies HumanEvalTsReference,
        };
      });
    },
    async grade(task: EvalTask, response: string): Promise<GradeResult> {
      const ref = task.reference as HumanEvalTsReference;
      const code = codeFromResponse(response, typescriptDefinition(ref.entry_point));
      const allowUnsandboxed = options.allowUnsandboxed ?? allowUnsandboxedFromEnv();
      const v = await runTypeScriptProgram(multiplEProgram(ref, code), {
        allowUnsandboxed,
        compiler: sharedTscService({ allowUnsandboxed }),
      });
      const extracted = "solution" in code
        ? code.solution
        : truncateAtStop(code.completion, ref.stop_tokens);
      return { correct: v.passed, extracted, reason: v.reason };
    },
  };
}

/** The HumanEval-TS suite with default options. */
export const humanevalTsSuite: Suite = createHumanEvalTsSuite();
