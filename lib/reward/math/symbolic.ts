/**
 * Symbolic equality of two normalised answers with `@cortex-js/compute-engine`, standing in
 * for the sympy-based `symbolic_equal` of Qwen2.5-Math's grader:
 * 1. both sides parse as LaTeX (a Python-style `**` power is read as `^`), else not equal;
 * 2. structurally the same after canonicalisation -> equal;
 * 3. two relations (equations or inequalities, of any kind): `lhs - rhs` equal up to sign,
 *    as sympy's `abs(a.lhs - a.rhs).equals(abs(b.lhs - b.rhs))`;
 * 4. `a - b` simplifies to 0 -> equal;
 * 5. with free variables: equal values (relative 1e-4) at five fixed sample points (what
 *    sympy's `a.equals(b)` checks numerically);
 * 6. both evaluate to numbers (real or complex) within relative 1e-4 -> equal.
 * Every check runs under the engine's time limit; a timeout is reported, and counts as "not
 * equal" for the verdict.
 *
 * @module
 */

import type { ComputeEngine, Expression } from "@cortex-js/compute-engine";
import { createRequire } from "node:module";
import { isClose } from "./_python.ts";

/** The outcome of one symbolic comparison. */
export type SymbolicVerdict = "equal" | "not equal" | "timeout";

type EngineModule = typeof import("@cortex-js/compute-engine");

let lib: EngineModule | null = null;
let engine: ComputeEngine | null = null;

/**
 * Loads compute-engine on first use and creates the shared engine. Loading takes about a
 * second, so it is not done at import time (every module importing the suite registry would
 * pay it) but synchronously here, through `require`.
 *
 * @returns milliseconds spent loading now (0 when it was already loaded)
 */
export function ensureSymbolicEngine(): number {
  if (engine !== null) return 0;
  const start = performance.now();
  lib = createRequire(import.meta.url)("@cortex-js/compute-engine") as EngineModule;
  engine = new lib.ComputeEngine();
  return performance.now() - start;
}

function ce(): ComputeEngine {
  ensureSymbolicEngine();
  return engine!;
}

function isCancellation(e: unknown): boolean {
  return lib !== null && e instanceof lib.CancellationError;
}

/** Sample values for free variables (fixed, so verdicts are deterministic). */
const SAMPLE_POINTS = [0.5377, 1.8339, -2.2588, 0.8622, 0.3188];

function parse(s: string): Expression | null {
  const tryParse = (t: string) => {
    try {
      const e = ce().parse(t);
      // Empty groups parse to "Nothing", which arithmetic then drops ({0} - {} = 0): treat
      // them as unparseable, as sympy does.
      return e.isValid && !JSON.stringify(e.json).includes('"Nothing"') ? e : null;
    } catch (e) {
      if (isCancellation(e)) throw e;
      return null;
    }
  };
  return tryParse(s) ?? (s.includes("**") ? tryParse(s.replaceAll("**", "^")) : null);
}

/** Real and imaginary parts of a numeric value, or null when not a finite number. */
function numeric(e: Expression): [number, number] | null {
  const n = e.N();
  const re = n.re;
  const im = n.im;
  if (!Number.isFinite(re) || !Number.isFinite(im)) return null;
  return [re, im];
}

function numbersClose(a: [number, number], b: [number, number]): boolean {
  const close = (x: number, y: number) => isClose(x, y) || Math.abs(x - y) <= 1e-12;
  return close(a[0], b[0]) && close(a[1], b[1]);
}

const COLLECTION = new Set([
  "Tuple",
  "List",
  "Interval",
  "Union",
  "Set",
  "Matrix",
  "Sequence",
  "Delimiter",
]);
const RELATION = new Set(["Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"]);

/** Whether `a - b` is identically zero (symbolically, at sample points, or numerically). */
function differenceIsZero(a: Expression, b: Expression): boolean {
  if (COLLECTION.has(a.operator) || COLLECTION.has(b.operator)) return false;
  if (RELATION.has(a.operator) || RELATION.has(b.operator)) return false;
  const diff = ce().box(["Subtract", a, b]).simplify();
  if (diff.is(0)) return true;
  const vars = [...new Set([...a.unknowns, ...b.unknowns])];
  if (vars.length === 0) {
    const x = numeric(a);
    const y = numeric(b);
    return x !== null && y !== null && numbersClose(x, y);
  }
  if (vars.length > 6) return false;
  let checked = 0;
  for (let p = 0; p < SAMPLE_POINTS.length; p++) {
    const sub: Record<string, number> = {};
    vars.forEach((v, i) => (sub[v] = SAMPLE_POINTS[(p + i) % SAMPLE_POINTS.length] + 0.01 * i));
    const x = numeric(a.subs(sub));
    const y = numeric(b.subs(sub));
    if (x === null && y === null) continue; // outside both domains: no evidence either way
    if (x === null || y === null || !numbersClose(x, y)) return false;
    checked++;
  }
  return checked >= 2;
}

function compare(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  if (x === null || y === null) return false;
  if (x.isSame(y)) return true;
  if (
    RELATION.has(x.operator) && RELATION.has(y.operator) && lib!.isFunction(x) && lib!.isFunction(y)
  ) {
    // sympy's "equation equal" step compares |lhs - rhs| of any two relations, whatever
    // their kind (so x >= 5 matches x <= 5): kept for agreement with the reference.
    const dx = ce().box(["Subtract", x.ops[0], x.ops[1]]);
    const dy = ce().box(["Subtract", y.ops[0], y.ops[1]]);
    return differenceIsZero(dx, dy) || differenceIsZero(ce().box(["Negate", dx]), dy);
  }
  return differenceIsZero(x, y);
}

/**
 * Compares two normalised answers symbolically, within a time limit.
 *
 * @param a the prediction (normalised)
 * @param b the reference (normalised)
 * @param timeoutMs time limit for this comparison @default 3000
 * @returns "equal", "not equal" or "timeout"
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symbolicEqual } from "./symbolic.ts";
 * assert.equal(symbolicEqual("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}"), "equal");
 * assert.equal(symbolicEqual("\\sec^2(y)", "\\tan^2(y)+1"), "equal");
 * assert.equal(symbolicEqual("x+1", "x+2"), "not equal");
 * ```
 */
export function symbolicEqual(a: string, b: string, timeoutMs = 3000): SymbolicVerdict {
  if (timeoutMs <= 0) return "timeout";
  ensureSymbolicEngine(); // loading is not part of the comparison's time
  const start = performance.now();
  try {
    const equal = ce().withTimeLimit({ ms: timeoutMs, label: "math-grader" }, () => compare(a, b));
    // Parsing is not interruptible: a comparison that overran its limit still times out.
    if (performance.now() - start > timeoutMs) return "timeout";
    return equal ? "equal" : "not equal";
  } catch (e) {
    if (isCancellation(e)) return "timeout";
    return "not equal"; // the reference treats any sympy exception as "not equal"
  }
}
