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
import { pick, TOY_EVAL_SEED } from "./world.ts";

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

const WORDS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
];
const capWord = (k: number) => WORDS[k][0].toUpperCase() + WORDS[k].slice(1);
const lit = (v: unknown) => JSON.stringify(v).replaceAll(",", ", ");

type Fn = (...args: never[]) => unknown;
type Draft = {
  names: string[];
  comment: string;
  signature: string;
  body: string;
  impl: Fn;
  inputs: unknown[][];
};

const NUMS = [[1, 2, 3], [4, 0, 7, 1], [10, -3, 5], [2, 2, 9, 6, 1]];

/** The families; constant ones ignore `k`, the others use it in their name and body. */
const FAMILIES: Record<string, (k: number) => Draft> = {
  sum: () => ({
    names: ["sumList", "sumAll", "totalOf", "addUp"],
    comment: "Returns the sum of the numbers in xs.",
    signature: "(xs: number[]): number",
    body: "  let total = 0;\n  for (const x of xs) total += x;\n  return total;\n}\n",
    impl: (xs: number[]) => xs.reduce((a, b) => a + b, 0),
    inputs: [[[1, 2, 3]], [[]], [[10, -3, 5]]],
  }),
  product: () => ({
    names: ["productOf", "multiplyAll", "productList"],
    comment: "Returns the product of the numbers in xs.",
    signature: "(xs: number[]): number",
    body: "  let p = 1;\n  for (const x of xs) p *= x;\n  return p;\n}\n",
    impl: (xs: number[]) => xs.reduce((a, b) => a * b, 1),
    inputs: [[[1, 2, 3]], [[4, 5]], [[]]],
  }),
  max: () => ({
    names: ["maxOf", "largest", "biggest"],
    comment: "Returns the largest number in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  let best = xs[0];\n  for (const x of xs) if (x > best) best = x;\n  return best;\n}\n",
    impl: (xs: number[]) => Math.max(...xs),
    inputs: NUMS.slice(0, 3).map((x) => [x]),
  }),
  min: () => ({
    names: ["minOf", "smallest", "least"],
    comment: "Returns the smallest number in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  let best = xs[0];\n  for (const x of xs) if (x < best) best = x;\n  return best;\n}\n",
    impl: (xs: number[]) => Math.min(...xs),
    inputs: NUMS.slice(1, 4).map((x) => [x]),
  }),
  "count-above": (k) => ({
    names: [`countAbove${capWord(k)}`, `countOver${capWord(k)}`],
    comment: `Returns how many numbers in xs are greater than ${k}.`,
    signature: "(xs: number[]): number",
    body: `  let n = 0;\n  for (const x of xs) if (x > ${k}) n++;\n  return n;\n}\n`,
    impl: (xs: number[]) => xs.filter((x) => x > k).length,
    inputs: [[[1, 5, 9, 12]], [[]], [[k, k + 1, k - 1, 20]]],
  }),
  reverse: () => ({
    names: ["reverseString", "reversed", "backwards"],
    comment: "Returns the string s reversed.",
    signature: "(s: string): string",
    body: '  let out = "";\n  for (const c of s) out = c + out;\n  return out;\n}\n',
    impl: (s: string) => [...s].reverse().join(""),
    inputs: [["hello"], [""], ["abc"]],
  }),
  vowels: () => ({
    names: ["countVowels", "vowelCount", "numVowels"],
    comment: "Returns how many vowels (a, e, i, o, u) are in s.",
    signature: "(s: string): number",
    body: '  let n = 0;\n  for (const c of s) if ("aeiou".includes(c)) n++;\n  return n;\n}\n',
    impl: (s: string) => [...s].filter((c) => "aeiou".includes(c)).length,
    inputs: [["hello"], ["banana"], ["xyz"]],
  }),
  "count-letter": (k) => {
    const c = "abcdefghijklm"[k];
    return {
      names: [`count${c.toUpperCase()}`, `countLetter${c.toUpperCase()}`],
      comment: `Returns how many times the letter ${c} appears in s.`,
      signature: "(s: string): number",
      body: `  let n = 0;\n  for (const c of s) if (c === "${c}") n++;\n  return n;\n}\n`,
      impl: (s: string) => [...s].filter((x) => x === c).length,
      inputs: [[`${c}b${c}`], ["banana"], [""]],
    };
  },
  even: () => ({
    names: ["isEven", "even", "evenNumber"],
    comment: "Returns true when n is even.",
    signature: "(n: number): boolean",
    body: "  return n % 2 === 0;\n}\n",
    impl: (n: number) => n % 2 === 0,
    inputs: [[4], [7], [0]],
  }),
  odd: () => ({
    names: ["isOdd", "odd", "oddNumber"],
    comment: "Returns true when n is odd.",
    signature: "(n: number): boolean",
    body: "  return n % 2 !== 0;\n}\n",
    impl: (n: number) => n % 2 !== 0,
    inputs: [[4], [7], [1]],
  }),
  "add-k": (k) => ({
    names: [`add${capWord(k)}`, `plus${capWord(k)}`],
    comment: `Returns x plus ${k}.`,
    signature: "(x: number): number",
    body: `  return x + ${k};\n}\n`,
    impl: (x: number) => x + k,
    inputs: [[1], [10], [-4]],
  }),
  "times-k": (k) => ({
    names: [`times${capWord(k)}`, `multiplyBy${capWord(k)}`],
    comment: `Returns x times ${k}.`,
    signature: "(x: number): number",
    body: `  return x * ${k};\n}\n`,
    impl: (x: number) => x * k,
    inputs: [[1], [3], [0]],
  }),
  "minus-k": (k) => ({
    names: [`minus${capWord(k)}`, `subtract${capWord(k)}`],
    comment: `Returns x minus ${k}.`,
    signature: "(x: number): number",
    body: `  return x - ${k};\n}\n`,
    impl: (x: number) => x - k,
    inputs: [[20], [k], [0]],
  }),
  "scale-all": (k) => ({
    names: [`scaleBy${capWord(k)}`, `multiplyEachBy${capWord(k)}`],
    comment: `Returns a new list with every number in xs multiplied by ${k}.`,
    signature: "(xs: number[]): number[]",
    body:
      `  const out: number[] = [];\n  for (const x of xs) out.push(x * ${k});\n  return out;\n}\n`,
    impl: (xs: number[]) => xs.map((x) => x * k),
    inputs: [[[1, 2, 3]], [[]], [[0, -1]]],
  }),
  square: () => ({
    names: ["square", "squared", "sq"],
    comment: "Returns x times x.",
    signature: "(x: number): number",
    body: "  return x * x;\n}\n",
    impl: (x: number) => x * x,
    inputs: [[3], [0], [-4]],
  }),
  "keep-even": () => ({
    names: ["keepEven", "evensOnly", "filterEven"],
    comment: "Returns the even numbers of xs, in order.",
    signature: "(xs: number[]): number[]",
    body:
      "  const out: number[] = [];\n  for (const x of xs) if (x % 2 === 0) out.push(x);\n  return out;\n}\n",
    impl: (xs: number[]) => xs.filter((x) => x % 2 === 0),
    inputs: NUMS.slice(0, 3).map((x) => [x]),
  }),
  repeat: () => ({
    names: ["repeatString", "repeatText", "copies"],
    comment: "Returns s repeated n times.",
    signature: "(s: string, n: number): string",
    body: '  let out = "";\n  for (let i = 0; i < n; i++) out += s;\n  return out;\n}\n',
    impl: (s: string, n: number) => s.repeat(n),
    inputs: [["ab", 3], ["x", 0], ["hi", 1]],
  }),
  first: () => ({
    names: ["first", "head", "firstItem"],
    comment: "Returns the first number in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  return xs[0];\n}\n",
    impl: (xs: number[]) => xs[0],
    inputs: NUMS.slice(0, 3).map((x) => [x]),
  }),
  last: () => ({
    names: ["last", "lastItem", "final"],
    comment: "Returns the last number in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  return xs[xs.length - 1];\n}\n",
    impl: (xs: number[]) => xs[xs.length - 1],
    inputs: NUMS.slice(1, 4).map((x) => [x]),
  }),
  capitalize: () => ({
    names: ["capitalize", "capFirst", "upperFirst"],
    comment: "Returns s with its first letter in upper case.",
    signature: "(s: string): string",
    body: '  if (s === "") return s;\n  return s[0].toUpperCase() + s.slice(1);\n}\n',
    impl: (s: string) => s === "" ? s : s[0].toUpperCase() + s.slice(1),
    inputs: [["hello"], [""], ["toy world"]],
  }),
  palindrome: () => ({
    names: ["isPalindrome", "palindrome", "readsSame"],
    comment: "Returns true when s reads the same forwards and backwards.",
    signature: "(s: string): boolean",
    body: '  return s === s.split("").reverse().join("");\n}\n',
    impl: (s: string) => s === [...s].reverse().join(""),
    inputs: [["level"], ["hello"], [""]],
  }),
  factorial: () => ({
    names: ["factorial", "fact", "productUpTo"],
    comment: "Returns the product 1 * 2 * ... * n (1 when n is 0).",
    signature: "(n: number): number",
    body: "  let p = 1;\n  for (let i = 2; i <= n; i++) p *= i;\n  return p;\n}\n",
    impl: (n: number) => Array.from({ length: n }, (_, i) => i + 1).reduce((a, b) => a * b, 1),
    inputs: [[0], [4], [6]],
  }),
  average: () => ({
    names: ["average", "mean", "averageOf"],
    comment: "Returns the average of the numbers in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  let total = 0;\n  for (const x of xs) total += x;\n  return total / xs.length;\n}\n",
    impl: (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length,
    inputs: [[[1, 2, 3]], [[4, 0, 7, 1]], [[5]]],
  }),
  words: () => ({
    names: ["countWords", "wordCount", "numWords"],
    comment: "Returns how many words are in s (words are separated by single spaces).",
    signature: "(s: string): number",
    body: '  if (s === "") return 0;\n  return s.split(" ").length;\n}\n',
    impl: (s: string) => s === "" ? 0 : s.split(" ").length,
    inputs: [["toy world"], [""], ["a b c d"]],
  }),
  "abs-diff": () => ({
    names: ["absDiff", "distance", "gap"],
    comment: "Returns the absolute difference of a and b.",
    signature: "(a: number, b: number): number",
    body: "  return a > b ? a - b : b - a;\n}\n",
    impl: (a: number, b: number) => Math.abs(a - b),
    inputs: [[3, 10], [10, 3], [5, 5]],
  }),
};

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
