/**
 * Answer normalisation: a line-by-line port of Qwen2.5-Math's `strip_string` (and its
 * helpers `_fix_fracs`, `_fix_a_slash_b`, `_fix_sqrt`), the reference for MATH-500, AIME24,
 * AMC23 and GSM8K verdicts. Order matters and is the reference's; so are its quirks (each
 * marked below), because users compare per-sample verdicts with it.
 *
 * Source: QwenLM/Qwen2.5-Math `evaluation/parser.py` @a45202bd16f1.
 *
 * @module
 */

import { PY_WORD } from "./_python.ts";
import { UNIT_TEXTS } from "./units.ts";
import { convertWordNumber } from "./word_number.ts";

/** Options for {@link stripString}. */
export interface NormalizeOptions {
  /** Keep unit words (`strip_string(skip_unit=True)`, used for minerva_math / carp_en). @default false */
  skipUnit?: boolean;
}

// Python's (^|\W)unit($|\W) for every unit text, compiled once (unit texts are regex sources).
const UNIT_PATTERNS = UNIT_TEXTS.map((u) =>
  new RegExp(`(^|[^${PY_WORD}])${u}($|[^${PY_WORD}])`, "gu")
);

/**
 * `_fix_fracs`: `\frac12` -> `\frac{1}{2}`, `\frac1{72}` -> `\frac{1}{72}`; a `\frac` followed
 * by fewer than two characters returns the input unchanged.
 *
 * @param s the string
 * @returns the fixed string
 */
export function fixFracs(s: string): string {
  const parts = s.split("\\frac");
  let out = parts[0];
  for (const part of parts.slice(1)) {
    out += "\\frac";
    const chars = [...part]; // Python indexes code points
    if (chars.length > 0 && chars[0] === "{") {
      out += part;
      continue;
    }
    if (chars.length < 2) return s;
    const [a, b] = chars;
    const rest = chars.slice(2).join("");
    out += b !== "{" ? `{${a}}{${b}}${rest}` : `{${a}}${b}${rest}`;
  }
  return out;
}

/** Python `int(x)` round-trips to `x` exactly for these strings. */
const CANONICAL_INT = /^(?:0|-?[1-9][0-9]*)$/;

/**
 * `_fix_a_slash_b`: `3/4` -> `\frac{3}{4}` when both sides are integers written canonically
 * (sides containing `sqrt` are taken as they are).
 *
 * @param s the string
 * @returns the fixed string
 */
export function fixASlashB(s: string): string {
  const parts = s.split("/");
  if (parts.length !== 2) return s;
  const [a, b] = parts;
  const ok = (x: string) => x.includes("sqrt") || CANONICAL_INT.test(x);
  return ok(a) && ok(b) ? `\\frac{${a}}{${b}}` : s;
}

/**
 * `_fix_sqrt`: `\sqrt3` -> `\sqrt{3}` (a run of word characters).
 *
 * @param s the string
 * @returns the fixed string
 */
export function fixSqrt(s: string): string {
  return s.replace(new RegExp(`\\\\sqrt([${PY_WORD}]+)`, "gu"), "\\sqrt{$1}");
}

/**
 * Qwen2.5-Math's `strip_string`: normalises an extracted answer or a gold answer.
 *
 * @param input the answer
 * @param options `skipUnit`
 * @returns the normalised answer
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripString } from "./normalize.ts";
 * assert.equal(stripString("\\dfrac{3}{4}"), "\\frac{3}{4}");
 * assert.equal(stripString("90^\\circ"), "90");
 * assert.equal(stripString("\\$18.00"), "18");
 * ```
 */
export function stripString(input: string, options: NormalizeOptions = {}): string {
  let s = input.trim();
  s = s.replaceAll("\n", ""); // linebreaks
  s = s.replace(/\.+$/, ""); // rstrip(".")
  s = s.replaceAll("\\!", ""); // inverse spaces
  // matrices
  s = s.replace(/\\begin\{array\}\{.*?\}/g, "\\begin{pmatrix}");
  s = s.replace(/\\end\{array\}/g, "\\end{pmatrix}");
  s = s.replaceAll("bmatrix", "pmatrix");
  s = s.replaceAll("tfrac", "frac").replaceAll("dfrac", "frac");
  s = s.replaceAll("\\neq", "\\ne").replaceAll("\\leq", "\\le").replaceAll("\\geq", "\\ge");
  s = s.replaceAll("\\left", "").replaceAll("\\right", "");
  s = s.replaceAll("\\{", "{").replaceAll("\\}", "}");
  // A trailing \text{unit}: removed from the FIRST \text{ whose rest ends in "}", unless that
  // leaves nothing (quirk: `\text{A}\text{B}` is kept whole).
  const noUnit = s.replace(/\\text\{.*?\}$/, "").trim();
  if (noUnit !== "" && noUnit !== s) s = noUnit;
  if (!options.skipUnit) {
    // Unit words, twice over the list; a removal that would leave nothing is skipped.
    for (let round = 0; round < 2; round++) {
      for (const re of UNIT_PATTERNS) {
        const t = s.replace(re, "$1$2");
        if (t !== "") s = t;
      }
    }
  }
  s = s.replaceAll("^{\\circ}", "").replaceAll("^\\circ", "");
  s = s.replaceAll("\\$", "").replaceAll("$", "");
  s = s.replaceAll("\\(", "").replaceAll("\\)", "");
  s = convertWordNumber(s);
  s = s.replace(/\\text\{(.*?)\}/g, "$1");
  for (const key of ["x=", "y=", "z=", "x\\in", "y\\in", "z\\in", "x\\to", "y\\to", "z\\to"]) {
    s = s.replaceAll(key, "");
  }
  s = s.replaceAll("\\emptyset", "{}");
  s = s.replaceAll("(-\\infty,\\infty)", "\\mathbb{R}");
  s = s.replaceAll("\\%", "").replaceAll("%", ""); // percentages: dropped, not divided
  s = s.replaceAll(" .", " 0.").replaceAll("{.", "{0.");
  // (The reference's "strip {..}/(..)/[..] when isalnum()" can never fire: a bracket is not
  // alphanumeric. Omitted.)
  s = s.replaceAll("infinity", "\\infty");
  if (!s.includes("\\infty")) s = s.replaceAll("inf", "\\infty");
  s = s.replaceAll("+\\inity", "\\infty");
  s = s.replaceAll("and", ""); // quirk: also inside words ("band" -> "b")
  s = s.replaceAll("\\mathbf", "");
  s = s.replace(/\\mbox\{.*?\}/g, "");
  // (The reference's quote removal discards its result: a no-op. Omitted.)
  if (s.includes("j") && !s.includes("i")) s = s.replaceAll("j", "i");
  // 18.000 -> 18 and 3.0x -> 3x (trailing zeros after a decimal point)
  s = s.replace(/(\p{Nd}+)\.0*([^\p{Nd}])/gu, "$1$2");
  s = s.replace(/(\p{Nd}+)\.0*$/u, "$1");
  if (s.length === 0) return s;
  if (s[0] === ".") s = "0" + s;
  // "k = 5" -> "5" when the left side has at most 2 characters
  const eq = s.split("=");
  if (eq.length === 2 && [...eq[0]].length <= 2) s = eq[1];
  s = fixSqrt(s);
  s = s.replaceAll(" ", "");
  s = fixFracs(s);
  s = fixASlashB(s);
  return s;
}
