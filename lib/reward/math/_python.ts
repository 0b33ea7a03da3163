/**
 * Small Python semantics the math grader needs to agree with Qwen2.5-Math's Python code:
 * `float()` parsing, `math.isclose`, `str()` of a float, and `\w`/`\W` as Python's `re` reads
 * them on `str` (Unicode letters, digits and `_`).
 *
 * @module
 */

/** Python's `\w` for str patterns, as a character-class body (use with the `u` flag). */
export const PY_WORD = "\\p{L}\\p{N}_";

// Python float(): optional sign, digits with single underscores between them, optional
// fraction and exponent; or inf/infinity/nan. Surrounding whitespace is allowed.
const DIGITS = "[0-9](?:_?[0-9])*";
const FLOAT_RE = new RegExp(
  `^\\s*[+-]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf(?:inity)?|nan)\\s*$`,
  "i",
);

/**
 * Parses a string as Python's `float()` does (ASCII digits only).
 *
 * @param s the text
 * @returns the value, or null where Python raises ValueError
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pyFloat } from "./_python.ts";
 * assert.equal(pyFloat("1_000.5"), 1000.5);
 * assert.equal(pyFloat("1,000"), null);
 * ```
 */
export function pyFloat(s: string): number | null {
  if (!FLOAT_RE.test(s)) return null;
  const t = s.trim().replaceAll("_", "").toLowerCase();
  const sign = t.startsWith("-") ? -1 : 1;
  const body = t.replace(/^[+-]/, "");
  if (body === "inf" || body === "infinity") return sign * Infinity;
  if (body === "nan") return NaN;
  return Number(t);
}

/**
 * Python's `math.isclose(a, b, rel_tol=rel)` with `abs_tol=0`.
 *
 * @param a first value
 * @param b second value
 * @param rel relative tolerance @default 1e-4
 * @returns whether they are close
 */
export function isClose(a: number, b: number, rel = 1e-4): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Python's `str()` of a number that Python holds as a float (`27.0`, `0.5`).
 *
 * @param n the value
 * @returns its Python text
 */
export function pyFloatStr(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  const a = Math.abs(n);
  if (a >= 1e16 || (a !== 0 && a < 1e-4)) {
    // Python's repr uses exponent form outside [1e-4, 1e16), with at least two exponent digits.
    const [mantissa, exp] = n.toExponential().split("e");
    return `${mantissa}e${exp[0] === "-" ? "-" : "+"}${exp.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return Number.isInteger(n) ? `${n}.0` : String(n);
}
