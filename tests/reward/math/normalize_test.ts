import assert from "node:assert/strict";
import { fixASlashB, fixFracs, fixSqrt, stripString } from "../../../lib/reward/math/normalize.ts";
import { convertWordNumber } from "../../../lib/reward/math/word_number.ts";

Deno.test("stripString() applies the reference rules in order", () => {
  const cases: [string, string][] = [
    ["\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"],
    ["10,\\!080", "10,080"],
    ["\\$32,\\!348", "32,348"],
    ["\\dfrac{17}{50}", "\\frac{17}{50}"],
    ["\\frac{270}7\\text{ degrees}", "\\frac{270}7"],
    ["5.4 \\text{ cents}", "5.4"],
    ["90^\\circ", "90"],
    ["\\text{(C)}", "(C)"],
    ["x \\in [-2,7]", "x\\in[-2,7]"],
    ["x\\in[-2,7]", "[-2,7]"],
    ["25\\%", "25"],
    ["(2, infinity)", "(2,\\infty)"],
    ["18.000", "18"],
    [".0000672", "0.0000672"],
    ["k = 5", "5"],
    ["11\\sqrt2", "11\\sqrt{2}"],
    ["\\frac 59", "\\frac{5}{9}"],
    ["3/56", "\\frac{3}{56}"],
    ["\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"],
    ["\\emptyset", "{}"],
    ["2+3j", "2+3i"],
    ["864 \\mbox{ inches}^2", "864^2"],
    ["\\text{east}", ""],
    ["025", "25"],
    ["twenty-five", "25"],
  ];
  for (const [input, expected] of cases) assert.equal(stripString(input), expected, input);
});

Deno.test("stripString() with skipUnit keeps unit words", () => {
  assert.equal(stripString("12 inches"), "12");
  assert.equal(stripString("12 inches", { skipUnit: true }), "12inches");
});

Deno.test("fixFracs() braces one-character numerator and denominator", () => {
  assert.equal(fixFracs("\\frac12"), "\\frac{1}{2}");
  assert.equal(fixFracs("\\frac1{72}"), "\\frac{1}{72}");
  assert.equal(fixFracs("\\frac{72}1"), "\\frac{72}1");
  assert.equal(fixFracs("2\\frac1"), "2\\frac1"); // too short: unchanged
});

Deno.test("fixASlashB() rewrites only canonical integers (or sqrt terms) around one slash", () => {
  assert.equal(fixASlashB("-3/4"), "\\frac{-3}{4}");
  assert.equal(fixASlashB("\\sqrt{2}/2"), "\\frac{\\sqrt{2}}{2}");
  assert.equal(fixASlashB("03/4"), "03/4");
  assert.equal(fixASlashB("1.5/2"), "1.5/2");
  assert.equal(fixASlashB("1/2/3"), "1/2/3");
});

Deno.test("fixSqrt() braces a run of word characters", () => {
  assert.equal(fixSqrt("\\sqrt3x+\\sqrt{2}"), "\\sqrt{3x}+\\sqrt{2}");
});

Deno.test("convertWordNumber() follows word2number, including its quirks", () => {
  assert.equal(convertWordNumber("one hundred twenty three thousand four hundred"), "123400");
  assert.equal(convertWordNumber("two point five"), "2.5");
  assert.equal(convertWordNumber("two point zero"), "2.0");
  assert.equal(convertWordNumber("x + five"), "5");
  assert.equal(convertWordNumber("0012"), "12");
  assert.equal(convertWordNumber("thousand thousand"), "thousand thousand");
  assert.equal(convertWordNumber("constructor"), "constructor");
  assert.equal(convertWordNumber("-5"), "-5");
});
