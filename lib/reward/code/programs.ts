/**
 * Program assembly exactly as the reference harnesses do, and what to take from a response.
 *
 * - HumanEval (openai/human-eval `execution.py`): `prompt + completion + "\n" + test + "\n" +
 *   "check(" + entry_point + ")"`; a sample's `solution` (a whole program) replaces
 *   `prompt + completion` (as evalplus does).
 * - MBPP+ (evalplus `evaluate.py`): the solution is `prompt + completion`, or the whole
 *   `solution`.
 * - HumanEval-TS (MultiPL-E): `prompt + completion + "\n" + tests`, the completion cut at
 *   the first stop token.
 *
 * Python completions are never cut here: evalplus and human-eval apply stop strings at
 * generation time only, and grade `prompt + completion` verbatim (a completion that is a
 * whole program, imports and helpers included, still runs: the prompt's function is then
 * redefined). Chat responses usually hold a fenced code block with the whole function: then
 * that block is the `solution`; otherwise the response is a completion of the prompt.
 *
 * @module
 */

/**
 * Cuts text at the earliest occurrence of any stop string.
 *
 * @param text the completion
 * @param stops the stop strings
 * @returns the text before the first stop string
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { truncateAtStop } from "./programs.ts";
 * assert.equal(truncateAtStop("  return 1;\n}\nfunction f() {}", ["\nfunction "]), "  return 1;\n}");
 * ```
 */
export function truncateAtStop(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const s of stops) {
    if (s === "") continue;
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}

/** A piece of code to grade: a completion of the prompt, or a whole program. */
export type CodeSample = { completion: string } | { solution: string };

/** The pieces of a HumanEval task a program is built from. */
export interface HumanEvalParts {
  prompt: string;
  test: string;
  entry_point: string;
}

/**
 * The HumanEval check program.
 *
 * @param task prompt, test and entry point
 * @param code `{ completion }` (appended to the prompt) or `{ solution }` (the whole program)
 * @returns the program human-eval executes
 */
export function humanEvalProgram(
  task: HumanEvalParts,
  code: CodeSample,
): string {
  const body = "solution" in code ? code.solution : task.prompt + code.completion;
  return body + "\n" + task.test + "\n" + `check(${task.entry_point})`;
}

/**
 * The program evalplus checks for a sample (`evalplus/evaluate.py`): the sample's `solution`
 * as it is, else `prompt + completion`, without any cutting or sanitizing.
 *
 * @param prompt the task's prompt
 * @param code `{ completion }` or `{ solution }`
 * @returns the solution program
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evalplusSolution } from "./programs.ts";
 * assert.equal(evalplusSolution('"""doc"""\n', { completion: "def f():\n    return 1\n" }),
 *   '"""doc"""\ndef f():\n    return 1\n');
 * ```
 */
export function evalplusSolution(
  prompt: string,
  code: CodeSample,
): string {
  return "solution" in code ? code.solution : prompt + code.completion;
}

/**
 * The MultiPL-E program: prompt, completion cut at the first stop token, newline, tests.
 *
 * @param task `prompt`, `tests`, `stop_tokens`
 * @param code `{ completion }` or `{ solution }` (a whole program standing for prompt + completion)
 * @returns the TypeScript file MultiPL-E compiles and runs
 */
export function multiplEProgram(
  task: { prompt: string; tests: string; stop_tokens: readonly string[] },
  code: CodeSample,
): string {
  const body = "solution" in code
    ? code.solution
    : task.prompt + truncateAtStop(code.completion, task.stop_tokens);
  return body + "\n" + task.tests;
}

const FENCE = /```[ \t]*([A-Za-z0-9_+#.-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;

/**
 * The fenced code blocks of a response, in order (an unterminated last block counts).
 *
 * @param response the model's response
 * @returns `{ lang, code }` for each block
 */
export function codeBlocks(response: string): { lang: string; code: string }[] {
  const out: { lang: string; code: string }[] = [];
  for (const m of response.matchAll(FENCE)) out.push({ lang: m[1].toLowerCase(), code: m[2] });
  return out;
}

/**
 * Picks what to grade from a response: the first fenced block that defines `definition`
 * (e.g. `def has_close_elements(` or `function strlen(`) becomes a whole-program `solution`;
 * a response without such a block is a `completion` of the prompt.
 *
 * @param response the model's response
 * @param definition a regular expression matching the definition of the entry point
 * @returns `{ solution }` or `{ completion }`
 */
export function codeFromResponse(
  response: string,
  definition: RegExp,
): CodeSample {
  const blocks = codeBlocks(response);
  const hit = blocks.find((b) => definition.test(b.code));
  if (hit !== undefined) return { solution: hit.code };
  return { completion: response };
}

/**
 * A regular expression for the definition of a Python function at the start of a line.
 *
 * @param name the function name
 * @returns `/^\s*def name\s*\(/m`
 */
export function pythonDefinition(name: string): RegExp {
  return new RegExp(`^\\s*def\\s+${escapeRegExp(name)}\\s*\\(`, "m");
}

/**
 * A regular expression for the definition of a TypeScript function named `name`.
 *
 * @param name the function name
 * @returns a pattern for `function name(`, `const name =` or `let name =`
 */
export function typescriptDefinition(name: string): RegExp {
  const n = escapeRegExp(name);
  return new RegExp(
    `(^|\\n)\\s*(export\\s+)?(function\\s+${n}\\s*[(<]|(const|let|var)\\s+${n}\\s*[=:])`,
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
