/**
 * English number words to digits, as the `word2number` package's `w2n.word_to_num` does it,
 * wrapped like Qwen2.5-Math's `convert_word_number` (any failure returns the text unchanged).
 *
 * Its quirks matter for verdicts and are kept: a string of ASCII digits goes through `int()`
 * (so AIME's `025` becomes `25`); number words are picked out of any whitespace-separated
 * text and the rest ignored (`x + five` becomes `5`).
 *
 * Source: akshaynagpal/w2n `word2number/w2n.py`; QwenLM/Qwen2.5-Math `evaluation/parser.py`.
 *
 * @module
 */

import { pyFloatStr } from "./_python.ts";

// deno-fmt-ignore
const NUMBER_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16,
  seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50,
  sixty: 60, seventy: 70, eighty: 80, ninety: 90, hundred: 100, thousand: 1000,
  million: 1000000, billion: 1000000000,
};

const DECIMAL_WORDS = [
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
];

/** Thrown where Python's `word_to_num` raises (the caller then keeps the text). */
class NotANumber extends Error {}

/** `number_formation`: combines up to four number words. */
function formation(words: string[]): number {
  const n = words.map((w) => NUMBER_WORDS[w]);
  if (n.length === 0) throw new NotANumber("empty"); // Python: IndexError
  if (n.length === 4) return n[0] * n[1] + n[2] + n[3];
  if (n.length === 3) return n[0] * n[1] + n[2];
  if (n.length === 2) return n.includes(100) ? n[0] * n[1] : n[0] + n[1];
  return n[0];
}

/** `word_to_num`; returns the number and whether Python would hold it as a float. */
function wordToNum(sentence: string): { value: number | bigint; float: boolean } {
  const s = sentence.replaceAll("-", " ").toLowerCase();
  if (/^[0-9]+$/.test(s)) return { value: BigInt(s), float: false };
  // Python's isdigit() also accepts other Unicode digits (e.g. superscripts); int() of
  // superscripts raises, so the text is kept. Non-ASCII decimal digits are kept too (a
  // deviation: Python would convert them).
  if (/^[\p{Nd}\p{No}]+$/u.test(s)) throw new NotANumber("digits");
  const words = s.trim().split(/\s+/).filter((w) => w !== "");
  let clean = words.filter((w) => Object.hasOwn(NUMBER_WORDS, w) || w === "point");
  if (clean.length === 0) throw new NotANumber("no number words");
  const count = (w: string) => clean.filter((x) => x === w).length;
  if (count("thousand") > 1 || count("million") > 1 || count("billion") > 1 || count("point") > 1) {
    throw new NotANumber("redundant");
  }
  let decimals: string[] = [];
  if (count("point") === 1) {
    const p = clean.indexOf("point");
    decimals = clean.slice(p + 1);
    clean = clean.slice(0, p);
  }
  const bi = clean.indexOf("billion");
  const mi = clean.indexOf("million");
  const th = clean.indexOf("thousand");
  if ((th > -1 && (th < mi || th < bi)) || (mi > -1 && mi < bi)) throw new NotANumber("malformed");
  let total = 0;
  if (clean.length === 1) {
    total += NUMBER_WORDS[clean[0]];
  } else if (clean.length > 1) {
    if (bi > -1) total += formation(clean.slice(0, bi)) * 1e9;
    if (mi > -1) total += formation(bi > -1 ? clean.slice(bi + 1, mi) : clean.slice(0, mi)) * 1e6;
    if (th > -1) {
      const from = mi > -1 ? mi + 1 : bi > -1 ? bi + 1 : 0;
      total += formation(clean.slice(from, th)) * 1000;
    }
    const last = clean.length - 1;
    let hundreds = 0;
    if (th > -1 && th !== last) hundreds = formation(clean.slice(th + 1));
    else if (mi > -1 && mi !== last && th !== last) hundreds = formation(clean.slice(mi + 1));
    else if (bi > -1 && bi !== last) hundreds = formation(clean.slice(bi + 1));
    else if (th === -1 && mi === -1 && bi === -1) hundreds = formation(clean);
    total += hundreds;
  }
  if (decimals.length > 0) {
    if (decimals.some((w) => !DECIMAL_WORDS.includes(w))) return { value: total, float: false }; // get_decimal_sum -> 0
    const digits = decimals.map((w) => NUMBER_WORDS[w]).join("");
    return { value: total + Number(`0.${digits}`), float: true };
  }
  return { value: total, float: false };
}

/**
 * Qwen2.5-Math's `convert_word_number`: `str(w2n.word_to_num(text))`, or the text unchanged
 * when `word_to_num` raises.
 *
 * @param text an answer string (not yet stripped of spaces)
 * @returns the number as Python prints it, or `text`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { convertWordNumber } from "./word_number.ts";
 * assert.equal(convertWordNumber("twenty-five"), "25");
 * assert.equal(convertWordNumber("025"), "25");
 * assert.equal(convertWordNumber("\\frac{1}{2}"), "\\frac{1}{2}");
 * ```
 */
export function convertWordNumber(text: string): string {
  try {
    const { value, float } = wordToNum(text);
    if (typeof value === "bigint") return value.toString();
    return float ? pyFloatStr(value) : String(value);
  } catch (e) {
    if (e instanceof NotANumber) return text;
    throw e;
  }
}
