import assert from "node:assert/strict";
import { gradeMath, normalizeGold } from "../../../lib/reward/math/grade.ts";
import { join } from "node:path";
import { DATA_DIR, withData } from "../../_data.ts";

async function rows(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(join(DATA_DIR, path));
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

withData.test("MATH-500 solutions grade correct against their answer field, except the one the reference also rejects", async () => {
  const data = await rows("math500/test.jsonl");
  const wrong = data.filter((r) => !gradeMath(r.solution as string, r.answer as string).correct)
    .map((r) => r.answer);
  // The solution boxes "[-2,7]"; the answer field "x \in [-2,7]" keeps its "x\in" (written with a space)
  // under strip_string, while the extracted answer loses it in its second normalisation.
  assert.deepEqual(wrong, ["x \\in [-2,7]"]);
});

withData.test("AIME24 and AMC23 golds normalise to plain integers and accept the boxed integer", async () => {
  for (const file of ["aime24/test.jsonl", "amc23/test.jsonl"]) {
    const data = await rows(file);
    for (const r of data) {
      const gold = r.answer as string | number;
      const value = Number(gold);
      assert.equal(normalizeGold(gold), String(value), `${file}: ${gold}`);
      assert.equal(
        gradeMath(`So the answer is $\\boxed{${value}}$.`, gold).correct,
        true,
        `${file}: ${gold}`,
      );
      assert.equal(
        gradeMath(`So the answer is $\\boxed{${value + 1}}$.`, gold).correct,
        false,
        `${file}: ${gold}`,
      );
    }
  }
});

withData.test("GSM8K gold solutions grade correct in both modes against the number after ####", async () => {
  const data = await rows("gsm8k/test.jsonl");
  for (const r of data) {
    const solution = r.answer as string;
    const gold = solution.split("####").at(-1)!.trim().replaceAll(",", "");
    assert.equal(gradeMath(solution, gold).correct, true, solution);
    assert.equal(gradeMath(solution, solution, { mode: "gsm8k-strict" }).correct, true, solution);
  }
});
