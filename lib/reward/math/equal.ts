/**
 * Equivalence of two normalised answers: a port of `math_equal` from Qwen2.5-Math's
 * `evaluation/grader.py` @a45202bd16f1, in its order:
 * 1. equal strings (trimmed, case-insensitive);
 * 2. a multiple-choice gold letter (A-E) and the last stand-alone A-E letter of the prediction;
 * 3. numbers: both parse as Python floats (commas removed, a trailing `%` divides by 100) ->
 *    equal iff within relative 1e-4 of gold, gold/100 or gold*100; this decides;
 * 4. an empty prediction is not equal;
 * 5. a pmatrix prediction against a `{a,b}` gold rewrites the gold as a pmatrix;
 * 6. equal after removing outer `[]()` (when the bracket types allow) and all `{}()`;
 * 7. tuples/intervals `(..)`/`[..]` element by element, in order, bracket type ignored;
 * 8. matrices cell by cell;
 * 9. two equations: `lhs - (rhs)` symbolically equal up to sign; `x = v` against a bare `v`
 *    (left side of at most 2 characters) compares `v`;
 * 10. symbolic equality (see `symbolic.ts`).
 * All checks of one comparison share one deadline; a symbolic check cut off by it makes the
 * result "timeout" (not equal).
 *
 * @module
 */

import { isClose, pyFloat } from "./_python.ts";
import { ensureSymbolicEngine, symbolicEqual, type SymbolicVerdict } from "./symbolic.ts";

/** Options for {@link mathEqual}. */
export interface EqualOptions {
  /** Accept gold/100 and gold*100 for numbers. @default true */
  includePercentage?: boolean;
  /** Time limit for the whole comparison, in milliseconds. @default 3000 */
  timeoutMs?: number;
  /** The symbolic checker (another CAS, or a stub in tests). @default symbolicEqual */
  symbolic?: (a: string, b: string, timeoutMs: number) => SymbolicVerdict;
}

/** The verdict of {@link mathEqual} and the check that decided it. */
export interface EqualResult {
  /** Whether the answers are equivalent. */
  equal: boolean;
  /** `string`, `choice`, `number`, `brackets`, `tuple`, `matrix`, `equation`, `symbolic`, `empty`, `timeout`, `none`. */
  by: string;
}

interface Ctx {
  symbolic: (a: string, b: string, timeoutMs: number) => SymbolicVerdict;
  deadline: number;
  timedOut: boolean;
  includePercentage: boolean;
}

/** Qwen's `choice_answer_clean` (grader.py version): the last stand-alone A-E letter. */
export function choiceAnswerClean(pred: string): string {
  let p = pred.replace(/^\n+|\n+$/g, "").replace(/\.+$/, "").replace(/\/+$/, "").replace(
    /^ +| +$/g,
    "",
  )
    .replace(/^:+/, "");
  const letters = p.toUpperCase().match(/(?<![\p{L}\p{N}_])[A-E](?![\p{L}\p{N}_])/gu);
  p = letters ? letters[letters.length - 1] : p.trim().replace(/^\.+|\.+$/g, "");
  return p.replace(/\.+$/, "").replace(/\/+$/, "");
}

/** `parse_digits`: a Python float after removing commas, or a `N%` / `N\%` divided by 100. */
export function parseDigits(s: string): number | null {
  let t = s.replaceAll(",", "");
  const v = pyFloat(t);
  if (v !== null) return v;
  if (t.endsWith("%")) {
    t = t.slice(0, -1);
    if (t.endsWith("\\")) t = t.slice(0, -1);
    const w = pyFloat(t);
    if (w !== null) return w / 100;
  }
  return null;
}

/** `str_to_pmatrix`: every `{..,..}` group becomes a pmatrix (commas -> `\`, as the reference). */
function strToPmatrix(s: string): string {
  const groups = s.trim().match(/\{.*,.*\}/g) ?? [];
  return groups.map((m) =>
    "\\begin{pmatrix}" + m.replace(/^[{}]+|[{}]+$/g, "").replaceAll(",", "\\") + "\\end{pmatrix}"
  )
    .join(", ");
}

const LIST_FORMAT = /^[([].+[)\]]/;
const MATRIX_BEGIN = ["\\begin{pmatrix}", "\\begin{bmatrix}"];
const MATRIX_END = ["\\end{pmatrix}", "\\end{bmatrix}"];
const isMatrix = (s: string) =>
  MATRIX_BEGIN.some((b) => s.startsWith(b)) && MATRIX_END.some((e) => s.endsWith(e));

function matrixRows(s: string): string[] {
  return s.slice("\\begin{pmatrix}".length, -"\\end{pmatrix}".length).split("\\\\").map((l) =>
    l.trim()
  )
    .filter((l) => l !== "");
}

function symbolic(a: string, b: string, ctx: Ctx): boolean {
  if (ctx.symbolic === symbolicEqual) ctx.deadline += ensureSymbolicEngine(); // first use loads the engine
  const verdict = ctx.symbolic(a, b, ctx.deadline - performance.now());
  if (verdict === "timeout") ctx.timedOut = true;
  return verdict === "equal";
}

function equal(prediction: string, reference: string, ctx: Ctx): string | null {
  if (prediction.trim().toLowerCase() === reference.trim().toLowerCase()) return "string";
  if (
    ["A", "B", "C", "D", "E"].includes(reference) && choiceAnswerClean(prediction) === reference
  ) return "choice";
  const p = parseDigits(prediction);
  const r = parseDigits(reference);
  if (p !== null && r !== null) {
    const golds = ctx.includePercentage ? [r / 100, r, r * 100] : [r];
    return golds.some((g) => isClose(g, p)) ? "number" : "";
  }
  if (prediction === "") return "";
  let ref = reference.trim();
  const pred = prediction.trim();
  if (pred.includes("pmatrix") && !ref.includes("pmatrix")) ref = strToPmatrix(ref);
  let ps = pred;
  let rs = ref;
  if (
    (pred.startsWith("[") && pred.endsWith("]") && !ref.startsWith("(")) ||
    (pred.startsWith("(") && pred.endsWith(")") && !ref.startsWith("["))
  ) {
    ps = ps.replace(/^[[\]()]+|[[\]()]+$/g, "");
    rs = rs.replace(/^[[\]()]+|[[\]()]+$/g, "");
  }
  ps = ps.replace(/[{}()]/g, "");
  rs = rs.replace(/[{}()]/g, "");
  if (ps.toLowerCase() === rs.toLowerCase()) return "brackets";
  if (LIST_FORMAT.test(pred) && LIST_FORMAT.test(ref)) {
    const pp = pred.slice(1, -1).split(",");
    const rp = ref.slice(1, -1).split(",");
    if (pp.length === rp.length && pp.every((x, i) => equal(x, rp[i], ctx))) return "tuple";
  }
  if (isMatrix(pred) && isMatrix(ref)) {
    const pl = matrixRows(pred);
    const rl = matrixRows(ref);
    if (
      pl.length === rl.length && pl.every((line, i) => {
        const pc = line.split("&");
        const rc = rl[i].split("&");
        return pc.length === rc.length && pc.every((c, j) => equal(c, rc[j], ctx));
      })
    ) return "matrix";
  }
  const count = (s: string) => s.split("=").length - 1;
  if (count(pred) === 1 && count(ref) === 1) {
    const [pl, pr] = pred.split("=");
    const [rl, rr] = ref.split("=");
    const pe = `${pl.trim()} - (${pr.trim()})`;
    const re = `${rl.trim()} - (${rr.trim()})`;
    if (symbolic(pe, re, ctx) || symbolic(`-(${pe})`, re, ctx)) return "equation";
  } else if (count(pred) === 1 && pred.split("=")[0].trim().length <= 2 && !ref.includes("=")) {
    if (equal(pred.split("=")[1], ref, ctx)) return "equation";
  } else if (count(ref) === 1 && ref.split("=")[0].trim().length <= 2 && !pred.includes("=")) {
    if (equal(pred, ref.split("=")[1], ctx)) return "equation";
  }
  return symbolic(pred, ref, ctx) ? "symbolic" : "";
}

/**
 * Decides whether a normalised prediction equals a normalised reference (see the module doc
 * for the order of checks).
 *
 * @param prediction the normalised prediction (`stripString` output)
 * @param reference the normalised gold answer
 * @param options percentage rule and time limit
 * @returns the verdict and the check that decided it
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mathEqual } from "./equal.ts";
 * assert.deepEqual(mathEqual("0.5", "\\frac{1}{2}"), { equal: true, by: "symbolic" });
 * assert.deepEqual(mathEqual("50", "0.5"), { equal: true, by: "number" });
 * assert.deepEqual(mathEqual("(1,2]", "[1,2)"), { equal: true, by: "tuple" });
 * ```
 */
export function mathEqual(
  prediction: string,
  reference: string,
  options: EqualOptions = {},
): EqualResult {
  const ctx: Ctx = {
    symbolic: options.symbolic ?? symbolicEqual,
    deadline: performance.now() + (options.timeoutMs ?? 3000),
    timedOut: false,
    includePercentage: options.includePercentage ?? true,
  };
  const by = equal(prediction, reference, ctx);
  if (by) return { equal: true, by };
  if (ctx.timedOut) return { equal: false, by: "timeout" };
  return { equal: false, by: prediction === "" ? "empty" : "none" };
}
