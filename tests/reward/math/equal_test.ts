import assert from "node:assert/strict";
import { choiceAnswerClean, mathEqual, parseDigits } from "../../../lib/reward/math/equal.ts";
import { symbolicEqual } from "../../../lib/reward/math/symbolic.ts";
import { gradeMath } from "../../../lib/reward/math/grade.ts";

Deno.test("mathEqual() names the check that decided", () => {
  const cases: [string, string, boolean, string][] = [
    ["ABC", "abc", true, "string"],
    ["(C)", "C", true, "choice"],
    ["50", "0.5", true, "number"],
    ["51", "0.5", false, "none"],
    ["(1,2]", "[1,2)", true, "tuple"],
    [
      "\\begin{pmatrix}1\\\\2\\end{pmatrix}",
      "\\begin{pmatrix}1.0\\\\2\\end{pmatrix}",
      true,
      "matrix",
    ],
    ["x^2+y^2=1", "y^2+x^2=1", true, "equation"],
    ["k=5", "5", true, "equation"],
    ["\\sqrt{8}", "2\\sqrt{2}", true, "symbolic"],
    ["", "5", false, "empty"],
  ];
  for (const [p, r, equal, by] of cases) {
    assert.deepEqual(mathEqual(p, r), { equal, by }, `${p} vs ${r}`);
  }
});

Deno.test("mathEqual() without includePercentage only accepts the gold itself", () => {
  assert.equal(mathEqual("50", "0.5", { includePercentage: false }).equal, false);
  assert.equal(mathEqual("0.5", "0.5000001", { includePercentage: false }).equal, true);
});

Deno.test("parseDigits() reads Python floats after removing commas, and N% as N/100", () => {
  assert.equal(parseDigits("1,234.5"), 1234.5);
  assert.equal(parseDigits("12%"), 0.12);
  assert.equal(parseDigits("12\\%"), 0.12);
  assert.equal(parseDigits("1_0"), 10);
  assert.equal(parseDigits("\\frac{1}{2}"), null);
});

Deno.test("choiceAnswerClean() takes the last stand-alone A-E letter", () => {
  assert.equal(choiceAnswerClean("(B) or (D)."), "D");
  assert.equal(choiceAnswerClean("ABCDE"), "ABCDE");
  assert.equal(choiceAnswerClean(": e."), "E");
});

Deno.test("symbolicEqual() compares relations by |lhs - rhs| and evaluates free variables at sample points", () => {
  assert.equal(symbolicEqual("y-2x=3", "2x-y=-3"), "equal");
  assert.equal(symbolicEqual("\\sec^2(y)", "\\tan^2(y)+1"), "equal");
  assert.equal(symbolicEqual("\\sin^2(y)", "\\tan^2(y)"), "not equal");
  assert.equal(symbolicEqual("(1,2)", "(1,3)"), "not equal");
  assert.equal(symbolicEqual("\\notalatexcommand", "1"), "not equal");
});

Deno.test("symbolicEqual() reports a timeout when the engine runs past its limit", () => {
  assert.equal(symbolicEqual("\\sum_{n=1}^{10^{7}} n", "5", 100), "timeout");
  assert.equal(symbolicEqual("1", "1", 0), "timeout");
});

Deno.test("mathEqual() and gradeMath() turn a symbolic timeout into 'not equal' with reason 'timeout'", () => {
  const slow = () => "timeout" as const;
  assert.deepEqual(mathEqual("x+1", "1+x", { symbolic: slow }), { equal: false, by: "timeout" });
  const r = gradeMath("\\boxed{\\sum_{n=1}^{10^{7}} n}", "5", { timeoutMs: 100 });
  assert.equal(r.correct, false);
  assert.equal(r.reason, "timeout");
});

Deno.test("gradeMath() reports 'no answer found' for a response without an answer", () => {
  const r = gradeMath("I am not sure.", "5");
  assert.deepEqual([r.correct, r.extracted, r.reason], [false, null, "no answer found"]);
  const s = gradeMath("I am not sure.", "5", { mode: "gsm8k-strict" });
  assert.deepEqual([s.correct, s.extracted, s.reason], [false, null, "no answer found"]);
});

Deno.test("loading the symbolic engine on first use does not count against the time limit", async () => {
  // A fresh process: the engine is loaded by the first symbolic comparison (about a second).
  const grade = new URL("../../../lib/reward/math/grade.ts", import.meta.url).href;
  const code = `import { gradeMath } from "${grade}";\n` +
    `console.log(JSON.stringify(gradeMath("\\\\boxed{\\\\sqrt{8}}", "2\\\\sqrt{2}", { timeoutMs: 300 })));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(text);
  assert.deepEqual([r.correct, r.reason, r.check], [true, "equal", "symbolic"]);
});
