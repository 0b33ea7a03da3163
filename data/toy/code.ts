/**
 * Tiny TypeScript functions of the toy world: a comment, a signature, a body, and example
 * calls with their results. Families (sum of a list, reverse a string, count vowels, add a
 * constant, ...) vary in the function's name and constants, so the `toy-code` evaluation
 * functions ({@link toyCodeEvalItems}, fixed seed) can be kept out of the corpus while their
 * families are in it.
 *
 * A function's text is `// comment\nfunction sig {\n` + body; its question (the forum's and
 * the chat prompt's) is `Write a TypeScript function \`sig\` that returns ...`.
 *
 * @module
 */

import { Rng } from "../../lib/util/rng.ts";
import { FAMILIES } from "./code_families.ts";
import { pick, TOY_EVAL_SEED } from "./world.ts";

const lit = (v: unknown) => JSON.stringify(v).replaceAll(",", ", ");

/** One tiny function with its examples. */
export interface CodeItem {
  /** The function name (the entry point). */
  name: string;
  /** The comment line without `// `, starting with `Returns`. */
  comment: string;
  /** Parameters and return type: `(xs: number[]): number`. */
  signature: string;
  /** The body after the opening line, closing brace and newline included. */
  body: string;
  /** Example calls (`sumList([1, 2, 3])`) with their results as TypeScript literals (`6`). */
  examples: { call: string; result: string }[];
  /** The template: `sum`, `reverse`, `add-k`, ... */
  family: string;
}

/** The family names, in a fixed order. */
export const CODE_FAMILIES: readonly string[] = Object.keys(FAMILIES);

/**
 * One tiny function from a random family, name and constant.
 *
 * @param rng the generator
 * @returns the function with three examples
 */
export function codeItem(rng: Rng): CodeItem {
  const family = pick(rng, CODE_FAMILIES);
  const d = FAMILIES[family](2 + rng.int(10));
  const name = pick(rng, d.names);
  const examples = d.inputs.map((args) => ({
    call: `${name}(${args.map(lit).join(", ")})`,
    result: lit((d.impl as (...a: unknown[]) => unknown)(...args)),
  }));
  return { name, comment: d.comment, signature: d.signature, body: d.body, examples, family };
}

/**
 * What identifies a function: its name and comment (the constant is in both).
 *
 * @param c the function
 * @returns the key
 */
export function codeKey(c: CodeItem): string {
  return `${c.name}\u0000${c.comment}`;
}

/**
 * The head of a function: comment line and opening line (what a completion continues).
 *
 * @param c the function
 * @returns `// comment\nfunction name(sig) {\n`
 */
export function codePrompt(c: CodeItem): string {
  return `// ${c.comment}\nfunction ${c.name}${c.signature} {\n`;
}

/**
 * The whole function.
 *
 * @param c the function
 * @returns {@link codePrompt} + body
 */
export function codeSolution(c: CodeItem): string {
  return codePrompt(c) + c.body;
}

/**
 * The question asking for the function (forum posts and chat prompts use this text).
 *
 * @param c the function
 * @returns `Write a TypeScript function \`name(sig)\` that returns ...`
 */
export function codeQuestion(c: CodeItem): string {
  return `Write a TypeScript function \`${c.name}${c.signature}\` that ${
    c.comment[0].toLowerCase() + c.comment.slice(1)
  }`;
}

/**
 * The answer a forum gives to {@link codeQuestion}: a short lead and the function in a block.
 *
 * @param c the function
 * @returns the answer text
 */
export function codeAnswer(c: CodeItem): string {
  return "Here it is:\n\n```ts\n" + codeSolution(c) + "```";
}

/**
 * The test code appended to a program: each example call checked, a mismatch throws (exit 1).
 *
 * @param c the function
 * @returns TypeScript statements
 */
export function codeTests(c: CodeItem): string {
  const check = "function __toyCheck(got: unknown, want: unknown, call: string): void {\n" +
    "  if (JSON.stringify(got) !== JSON.stringify(want)) {\n" +
    "    throw new Error(`${call}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);\n" +
    "  }\n}\n";
  return check +
    c.examples.map((e) => `__toyCheck(${e.call}, ${e.result}, ${JSON.stringify(e.call)});\n`)
      .join("");
}

/** Options of {@link generateCodeItems}. */
export interface CodeItemOptions {
  /** Keys ({@link codeKey}) to leave out (the evaluation set's). @default none */
  exclude?: ReadonlySet<string>;
  /** Allow the same function more than once. @default false */
  repeats?: boolean;
}

/**
 * Tiny functions of a seed.
 *
 * @param seed the seed
 * @param count how many
 * @param options keys to leave out, repeats
 * @returns `count` functions, none in `exclude`
 * @throws naming `count` when that many are not found
 */
export function generateCodeItems(
  seed: number,
  count: number,
  options: CodeItemOptions = {},
): CodeItem[] {
  const rng = new Rng(seed);
  const exclude = options.exclude ?? new Set<string>();
  const seen = new Set<string>();
  const out: CodeItem[] = [];
  for (let tries = 0; out.length < count && tries < count * 50; tries++) {
    const c = codeItem(rng);
    const k = codeKey(c);
    if (!exclude.has(k) && (options.repeats || !seen.has(k))) {
      seen.add(k);
      out.push(c);
    }
  }
  if (out.length < count) throw new Error(`count: found only ${out.length} functions of ${count}`);
  return out;
}

/**
 * The `toy-code` evaluation functions (fixed seed, distinct, the same for every run).
 *
 * @param n how many @default 60
 * @returns the functions
 */
export function toyCodeEvalItems(n = 60): CodeItem[] {
  return generateCodeItems(TOY_EVAL_SEED, n);
}
