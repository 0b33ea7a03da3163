/**
 * Arithmetic word problems of the toy world with worked solutions that end in a final answer
 * line, `So the answer is N.` (the form `gradeMath`'s extraction reads: the text after the last
 * `he answer is`, its trailing period dropped).
 *
 * The corpus prints them as `Question: ...\nAnswer: ...` (worksheets) and `Q: ...\nA: ...`
 * (forum threads); the `toy-math` suite asks the same question text, so a model that learned
 * the corpus can answer it. {@link toyMathEvalItems} is a fixed-seed set; every generator
 * that feeds training takes an `exclude` set so no evaluation question is trained on.
 *
 * @module
 */

import { Rng } from "../../lib/util/rng.ts";
import { between, PEOPLE, pick, THINGS, TOY_EVAL_SEED } from "./world.ts";

/** One word problem. */
export interface MathItem {
  /** The problem text (as the corpus and the prompts show it). */
  question: string;
  /** The worked solution, ending in `So the answer is N.` */
  solution: string;
  /** The final answer. */
  answer: number;
  /** Which template: `add`, `subtract`, `multiply`, `divide`, `add-subtract`, `multiply-add`. */
  family: string;
}

/** Options of {@link wordProblem}. */
export interface WordProblemOptions {
  /**
   * The largest starting amount. @default 12: sums stay under 25 and products under 28, few
   * enough facts that the 0.8M-parameter toy base model learns them from its worksheets (with
   * amounts up to 40 it reached 0-5% on toy-math from completion prompts, leaving nothing
   * latent for format learning to unlock).
   */
  maxNumber?: number;
}

type Family = (r: Rng, max: number) => Omit<MathItem, "family">;

const FAMILIES: Record<string, Family> = {
  add(r, max) {
    const { name, he, thing } = cast(r);
    const [a, b] = [between(r, 2, max), between(r, 2, max)];
    return {
      question:
        `${name} has ${a} ${thing}. ${he} gets ${b} more. How many ${thing} does ${name} have now?`,
      solution: `${name} starts with ${a} ${thing}. ${he} gets ${b} more, so ${a} + ${b} = ${
        a + b
      }. So the answer is ${a + b}.`,
      answer: a + b,
    };
  },
  subtract(r, max) {
    const { name, he, thing, friend } = cast(r);
    const a = between(r, 5, max + 5);
    const b = between(r, 1, a - 1);
    return {
      question:
        `${name} has ${a} ${thing}. ${he} gives ${b} to ${friend}. How many ${thing} does ${name} have left?`,
      solution: `${name} starts with ${a} ${thing} and gives away ${b}, so ${a} - ${b} = ${
        a - b
      }. So the answer is ${a - b}.`,
      answer: a - b,
    };
  },
  multiply(r, max) {
    const { name, thing } = cast(r);
    const n = between(r, 2, 9);
    const k = between(r, 2, Math.max(3, Math.floor(max / 4)));
    return {
      question:
        `${name} has ${n} boxes. Each box holds ${k} ${thing}. How many ${thing} are there in all?`,
      solution: `There are ${n} boxes with ${k} ${thing} each, so ${n} * ${k} = ${
        n * k
      }. So the answer is ${n * k}.`,
      answer: n * k,
    };
  },
  divide(r, max) {
    const { name, thing } = cast(r);
    const n = between(r, 2, 6);
    const each = between(r, 2, Math.max(3, Math.floor(max / 4)));
    const a = n * each;
    return {
      question:
        `${name} shares ${a} ${thing} equally among ${n} friends. How many ${thing} does each friend get?`,
      solution:
        `${a} ${thing} shared among ${n} friends is ${a} / ${n} = ${each}. So the answer is ${each}.`,
      answer: each,
    };
  },
  "add-subtract"(r, max) {
    const { name, he, thing, friend } = cast(r);
    const [a, b] = [between(r, 2, max), between(r, 2, max)];
    const c = between(r, 1, a + b - 1);
    const s = a + b;
    return {
      question:
        `${name} has ${a} ${thing}. ${he} buys ${b} more and then gives ${c} to ${friend}. How many ${thing} does ${name} have now?`,
      solution:
        `${name} starts with ${a} ${thing}. After buying ${b} more, ${name} has ${a} + ${b} = ${s}. After giving away ${c}, ${name} has ${s} - ${c} = ${
          s - c
        }. So the answer is ${s - c}.`,
      answer: s - c,
    };
  },
  "multiply-add"(r, max) {
    const { name, thing } = cast(r);
    const n = between(r, 2, 6);
    const k = between(r, 2, Math.max(3, Math.floor(max / 5)));
    const m = between(r, 1, max);
    const p = n * k;
    return {
      question:
        `${name} buys ${n} bags of ${thing} with ${k} in each bag, and finds ${m} more. How many ${thing} does ${name} have?`,
      solution:
        `${n} bags with ${k} in each bag make ${n} * ${k} = ${p}. With ${m} more, ${p} + ${m} = ${
          p + m
        }. So the answer is ${p + m}.`,
      answer: p + m,
    };
  },
};

/** The template names, in a fixed order. */
export const MATH_FAMILIES: readonly string[] = Object.keys(FAMILIES);

function cast(r: Rng): { name: string; he: string; thing: string; friend: string } {
  const p = pick(r, PEOPLE);
  const friends = PEOPLE.filter((q) => q.name !== p.name);
  return { name: p.name, he: p.pronoun, thing: pick(r, THINGS), friend: pick(r, friends).name };
}

/**
 * One word problem from a random template.
 *
 * @param rng the generator
 * @param options the number range
 * @returns the problem
 * @throws naming `maxNumber` when it is below 5
 */
export function wordProblem(rng: Rng, options: WordProblemOptions = {}): MathItem {
  const max = options.maxNumber ?? 12;
  if (!Number.isInteger(max) || max < 5) {
    throw new Error(`maxNumber: expected an integer >= 5, got ${max}`);
  }
  const family = pick(rng, MATH_FAMILIES);
  return { ...FAMILIES[family](rng, max), family };
}

/** Options of {@link generateMathProblems}. */
export interface MathProblemOptions extends WordProblemOptions {
  /** Question texts to leave out (the evaluation set's). @default none */
  exclude?: ReadonlySet<string>;
}

/**
 * Distinct word problems of a seed.
 *
 * @param seed the seed
 * @param count how many
 * @param options number range, questions to leave out
 * @returns `count` problems with distinct questions, none in `exclude`
 * @throws naming `count` when that many distinct problems are not found
 */
export function generateMathProblems(
  seed: number,
  count: number,
  options: MathProblemOptions = {},
): MathItem[] {
  const rng = new Rng(seed);
  const seen = new Set(options.exclude ?? []);
  const out: MathItem[] = [];
  for (let tries = 0; out.length < count && tries < count * 50; tries++) {
    const p = wordProblem(rng, options);
    if (!seen.has(p.question)) {
      seen.add(p.question);
      out.push(p);
    }
  }
  if (out.length < count) {
    throw new Error(`count: found only ${out.length} distinct problems of ${count}`);
  }
  return out;
}

/**
 * The `toy-math` evaluation problems (fixed seed, the same for every run).
 *
 * @param n how many @default 100
 * @returns the problems
 */
export function toyMathEvalItems(n = 100): MathItem[] {
  return generateMathProblems(TOY_EVAL_SEED, n);
}

/**
 * The corpus's worksheet form of a problem.
 *
 * @param p the problem
 * @returns `Question: ...\nAnswer: ...`
 */
export function worksheetEntry(p: MathItem): string {
  return `Question: ${p.question}\nAnswer: ${p.solution}`;
}
