/**
 * `toy-code`: the toy world's tiny TypeScript functions (60, fixed seed; `data/toy/code.ts`:
 * sum of a list, reverse a string, count vowels, add a constant, ...), each with three example
 * calls as tests. The program is MultiPL-E's: `prompt + completion + "\n" + tests` (the
 * completion cut at the first stop string), or a chat response's fenced block that defines
 * the function + tests; it runs in the permission-less Deno sandboxed
 * (`runDenoSandboxed`, types stripped) and passes iff it exits with 0.
 *
 * Prompts use the corpus's formats:
 * - completion: `// <comment>\nfunction name(sig) {\n` (the corpus's code files), stopping
 *   where the corpus goes on after a function (`console.log`, the next comment or function);
 * - chat: `Write a TypeScript function \`name(sig)\` that returns ...`, the question the
 *   corpus's forum threads and ChatML transcripts (the same user turn the chat template
 *   renders) ask and answer with `Here it is:` and a fenced block.
 *
 * Task ids are `toy-code/<index>_<name>`. No file is read: `load()` generates the functions.
 *
 * @module
 */

import {
  codePrompt,
  codeQuestion,
  codeSolution,
  codeTests,
  toyCodeEvalItems,
} from "../../../data/toy/code.ts";
import {
  codeFromResponse,
  multiplEProgram,
  truncateAtStop,
  typescriptDefinition,
} from "../../reward/code/programs.ts";
import { runDenoSandboxed } from "../../reward/code/deno_sandbox.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";

/** Number of `toy-code` functions. */
export const TOY_CODE_SIZE = 60;

/** Stop strings of completion-style `toy-code` prompts. */
export const TOY_CODE_STOP = [
  "\nfunction ",
  "\nconsole.log",
  "\n//",
  "\n/*",
  "\nclass ",
  "\n```",
  "\nQ:",
  "<|endoftext|>",
  "<|im_end|>",
];

/** What a `toy-code` task carries as its `reference`. */
export interface ToyCodeReference {
  /** The function's head (the completion prompt). */
  prompt: string;
  /** The test statements appended to the program. */
  tests: string;
  /** Where a completion is cut. */
  stop_tokens: string[];
  /** The function under test. */
  entry_point: string;
  /** The canonical whole function. */
  solution: string;
}

/** Options of {@link createToyCodeSuite}. */
export interface ToyCodeOptions {
  /** Wall-clock limit of one program, in ms. @default 10000 */
  timeoutMs?: number;
}

/**
 * Builds the `toy-code` suite.
 *
 * @param options the time limit per program
 * @returns the suite
 */
export function createToyCodeSuite(options: ToyCodeOptions = {}): Suite {
  return {
    name: "toy-code",
    domain: "code",
    defaultPromptStyle: "completion",
    load(o: LoadOptions = {}): Promise<EvalTask[]> {
      const items = toyCodeEvalItems(TOY_CODE_SIZE).slice(0, o.limit ?? TOY_CODE_SIZE);
      return Promise.resolve(items.map((c, i) => {
        const reference: ToyCodeReference = {
          prompt: codePrompt(c),
          tests: codeTests(c),
          stop_tokens: TOY_CODE_STOP,
          entry_point: c.name,
          solution: codeSolution(c),
        };
        return {
          id: `toy-code/${i}_${c.name}`,
          messages: [{ role: "user", content: codeQuestion(c) }],
          completionPrompt: reference.prompt,
          stop: TOY_CODE_STOP,
          reference,
        };
      }));
    },
    async grade(task: EvalTask, response: string): Promise<GradeResult> {
      const ref = task.reference as ToyCodeReference;
      const code = codeFromResponse(response, typescriptDefinition(ref.entry_point));
      const v = await runDenoSandboxed(multiplEProgram(ref, code), {
        timeoutMs: options.timeoutMs ?? 10_000,
      });
      const extracted = "solution" in code
        ? code.solution
        : truncateAtStop(code.completion, ref.stop_tokens);
      return { correct: v.passed, extracted, reason: v.reason };
    },
  };
}

/** The `toy-code` suite with default options. */
export const toyCode: Suite = createToyCodeSuite();
