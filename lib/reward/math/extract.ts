/**
 * Final-answer extraction from a model response.
 *
 * {@link extractAnswer} ports Qwen2.5-Math's `extract_answer` (the reference for MATH-500,
 * AIME24, AMC23 and GSM8K), first rule that applies:
 * 1. the text between `final answer is $` and `$. I hope` (Minerva format);
 * 2. the brace-balanced content after the **last** `boxed` (`\boxed 5$` gives `5`; an
 *    unterminated box gives the rest; `boxed` at the very end gives "");
 * 3. everything after the last `he answer is`, else after the last `final answer is`;
 * 4. the text after the first `答案是` up to a blank line;
 * 5. the last number `-?\d*\.?\d+` after removing commas; else "".
 * Then newlines (and the whitespace after them) are dropped, one leading `:`, one trailing
 * `.` and one trailing `/` removed, and the result normalised with `strip_string`.
 *
 * {@link extractGsm8kStrict} is lm-evaluation-harness's GSM8K "strict-match" filter.
 *
 * Sources: QwenLM/Qwen2.5-Math `evaluation/parser.py` @a45202bd16f1;
 * EleutherAI/lm-evaluation-harness `lm_eval/tasks/gsm8k/gsm8k.yaml`.
 *
 * @module
 */

import { type NormalizeOptions, stripString } from "./normalize.ts";

/**
 * The brace-balanced content after the last `boxed` (Qwen2.5-Math's `find_box` logic).
 *
 * @param text the response
 * @returns the content, "" when `boxed` ends the text, or null when there is no `boxed`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lastBoxed } from "./extract.ts";
 * assert.equal(lastBoxed("\\boxed{1} then \\boxed{\\frac{1}{2}}"), "\\frac{1}{2}");
 * assert.equal(lastBoxed("so $\\boxed 5$."), "5");
 * ```
 */
export function lastBoxed(text: string): string | null {
  if (!text.includes("boxed")) return null;
  const ans = text.slice(text.lastIndexOf("boxed") + "boxed".length);
  if (ans.length === 0) return "";
  if (ans[0] !== "{") return ans.split("$")[0].trim();
  let depth = 1;
  let out = "";
  for (const c of ans.slice(1)) {
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) break;
    out += c;
  }
  return out;
}

/** Which rule found the answer (for diagnostics). */
export type ExtractionRule =
  | "minerva"
  | "boxed"
  | "the answer is"
  | "final answer is"
  | "答案是"
  | "last number"
  | "none";

/** An extracted answer before and after normalisation. */
export interface Extraction {
  /** The rule that applied. */
  rule: ExtractionRule;
  /** The raw extracted text (after the newline / `:` / `.` / `/` clean-up). */
  raw: string;
  /** The normalised answer (`strip_string`), "" when nothing was found. */
  answer: string;
}

/**
 * Qwen2.5-Math's `extract_answer` for free-form math (data sets other than the multiple-choice
 * ones), with the rule that fired.
 *
 * @param response the model response
 * @param options `skipUnit` for `strip_string`
 * @returns the extraction
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractAnswer } from "./extract.ts";
 * assert.equal(extractAnswer("So the answer is $\\boxed{\\dfrac{1}{2}}$.").answer, "\\frac{1}{2}");
 * assert.equal(extractAnswer("She pays 1,234 dollars in total.").answer, "1234");
 * ```
 */
export function extractAnswer(response: string, options: NormalizeOptions = {}): Extraction {
  const text = response.replaceAll("\u043a\u0438", ""); // step tag "ки" of some PRM data
  let rule: ExtractionRule;
  let pred: string;
  const boxed = lastBoxed(text);
  if (text.includes("final answer is $") && text.includes("$. I hope")) {
    rule = "minerva";
    const tmp = text.slice(text.indexOf("final answer is $") + "final answer is $".length);
    pred = tmp.split("$. I hope")[0].trim();
  } else if (boxed !== null) {
    rule = "boxed";
    if (boxed === "" && text.endsWith("boxed")) return { rule, raw: "", answer: "" }; // early return
    pred = boxed;
  } else if (text.includes("he answer is")) {
    rule = "the answer is";
    pred = text.slice(text.lastIndexOf("he answer is") + "he answer is".length).trim();
  } else if (text.includes("final answer is")) {
    rule = "final answer is";
    pred = text.slice(text.lastIndexOf("final answer is") + "final answer is".length).trim();
  } else if (text.includes("答案是")) {
    rule = "答案是";
    pred = text.split("答案是")[1].trim().split("\n\n")[0].trim();
  } else {
    const numbers = text.replaceAll(",", "").match(/-?\d*\.?\d+/g);
    rule = numbers ? "last number" : "none";
    pred = numbers ? numbers[numbers.length - 1] : "";
  }
  pred = pred.replace(/\n\s*/g, "");
  if (pred.startsWith(":")) pred = pred.slice(1);
  if (pred.endsWith(".")) pred = pred.slice(0, -1);
  if (pred.endsWith("/")) pred = pred.slice(0, -1);
  return { rule, raw: pred, answer: stripString(pred, options) };
}

/** lm-evaluation-harness GSM8K strict-match: the first `#### N`. */
const GSM8K_STRICT = /#### (-?[0-9.,]+)/;

/**
 * lm-evaluation-harness GSM8K "strict-match": the number after the first `#### `, then its
 * exact-match clean-up (commas, `$`, one trailing `.` removed; case ignored).
 *
 * @param response the model response (or a GSM8K gold solution)
 * @returns the cleaned number, or null when there is no `#### N` (the harness's "[invalid]")
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractGsm8kStrict } from "./extract.ts";
 * assert.equal(extractGsm8kStrict("... so 9 * 2 = 18.\n#### 1,018."), "1018");
 * assert.equal(extractGsm8kStrict("The answer is 18."), null);
 * ```
 */
export function extractGsm8kStrict(response: string): string | null {
  const m = GSM8K_STRICT.exec(response);
  return m === null ? null : cleanGsm8k(m[1]);
}

/**
 * The harness's exact-match preprocessing for GSM8K (`regexes_to_ignore`: `,`, `\$`,
 * `(?s).*#### `, `\.$`, in order; then lower case).
 *
 * @param s a prediction or a full gold solution
 * @returns the cleaned string
 */
export function cleanGsm8k(s: string): string {
  return s.replaceAll(",", "").replaceAll("$", "").replace(/^[\s\S]*#### /, "").replace(/\.$/, "")
    .toLowerCase();
}
