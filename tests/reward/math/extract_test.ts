import assert from "node:assert/strict";
import {
  cleanGsm8k,
  extractAnswer,
  extractGsm8kStrict,
  lastBoxed,
} from "../../../lib/reward/math/extract.ts";

Deno.test("lastBoxed() takes the last \\boxed{} with nested braces", () => {
  assert.equal(
    lastBoxed("\\boxed{1} and \\boxed{\\frac{\\sqrt{3}}{2}} done"),
    "\\frac{\\sqrt{3}}{2}",
  );
  assert.equal(lastBoxed("no box here"), null);
});

Deno.test("lastBoxed() reads `\\boxed 5$` up to the dollar and an unterminated box to the end", () => {
  assert.equal(lastBoxed("so $\\boxed 5$."), "5");
  assert.equal(lastBoxed("\\boxed{x+{1"), "x+{1");
  assert.equal(lastBoxed("ends with boxed"), "");
});

Deno.test("extractAnswer() reports which rule found the answer", () => {
  const cases: [string, string, string][] = [
    ["The final answer is $\\frac{1}{2}$. I hope it is correct.", "minerva", "\\frac{1}{2}"],
    ["thus \\boxed{7}", "boxed", "7"],
    ["So the answer is 12 apples.", "the answer is", "12"],
    ["My final answer is 3", "final answer is", "3"],
    ["所以答案是 4\n\n完", "答案是", "4"],
    ["We get 3 then 4.5 cups", "last number", "4.5"],
    ["nothing numeric", "none", ""],
  ];
  for (const [response, rule, answer] of cases) {
    const e = extractAnswer(response);
    assert.deepEqual([e.rule, e.answer], [rule, answer], response);
  }
});

Deno.test("extractAnswer() removes newlines, one leading ':' and one trailing '.' or '/'", () => {
  assert.equal(extractAnswer("The answer is:\n  42.").raw, "42");
  assert.equal(extractAnswer("The answer is 7/").raw, "7");
  assert.equal(extractAnswer("The answer is 7..").raw, "7."); // only one "." goes here (strip_string drops the rest)
  assert.equal(extractAnswer("The answer is 7..").answer, "7");
});

Deno.test("extractAnswer() with skipUnit keeps unit words", () => {
  assert.equal(extractAnswer("The answer is 12 inches").answer, "12");
  assert.equal(extractAnswer("The answer is 12 inches", { skipUnit: true }).answer, "12inches");
});

Deno.test("extractGsm8kStrict() takes the first '#### N' and cleans it as lm-eval does", () => {
  assert.equal(extractGsm8kStrict("x\n#### 1,234.\n#### 5"), "1234");
  assert.equal(extractGsm8kStrict("#### -0.5"), "-0.5");
  assert.equal(extractGsm8kStrict("#### $5"), null);
  assert.equal(extractGsm8kStrict("####5"), null);
});

Deno.test("cleanGsm8k() reduces a full GSM8K solution to its final number", () => {
  assert.equal(cleanGsm8k("She makes 9 * 2 = $<<9*2=18>>18.\n#### 1,018"), "1018");
  assert.equal(cleanGsm8k("18."), "18");
});
