import assert from "node:assert/strict";
import { gradeMath } from "../../../lib/reward/math/grade.ts";

interface Case {
  line: number;
  mode: "qwen" | "strict";
  response: string;
  gold: string;
  expected: boolean;
  rule: string;
}

/** Reads grading_cases.tsv: mode, response, gold, expected, rule; "⏎" is a newline. */
async function readCases(): Promise<Case[]> {
  const text = await Deno.readTextFile(new URL("./grading_cases.tsv", import.meta.url));
  const cases: Case[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "" || raw.startsWith("#")) return;
    const cols = raw.split("\t");
    if (cols.length !== 5) {
      throw new Error(
        `grading_cases.tsv:${i + 1}: expected 5 tab-separated columns, got ${cols.length}`,
      );
    }
    const [mode, response, gold, expected, rule] = cols;
    if (mode !== "qwen" && mode !== "strict") {
      throw new Error(`grading_cases.tsv:${i + 1}: bad mode ${mode}`);
    }
    if (expected !== "true" && expected !== "false") {
      throw new Error(`grading_cases.tsv:${i + 1}: bad verdict ${expected}`);
    }
    const nl = (s: string) => s.replaceAll("⏎", "\n");
    cases.push({
      line: i + 1,
      mode,
      response: nl(response),
      gold: nl(gold),
      expected: expected === "true",
      rule,
    });
  });
  return cases;
}

const cases = await readCases();

Deno.test("the grading table has at least 150 cases, with both verdicts", () => {
  assert.ok(cases.length >= 150, `${cases.length} cases`);
  assert.ok(cases.filter((c) => c.expected).length >= 60);
  assert.ok(cases.filter((c) => !c.expected).length >= 60);
});

Deno.test("gradeMath() gives the reference verdict on every case of grading_cases.tsv", () => {
  const failures: string[] = [];
  for (const c of cases) {
    const r = gradeMath(c.response, c.gold, {
      mode: c.mode === "strict" ? "gsm8k-strict" : "qwen",
    });
    if (r.correct !== c.expected) {
      failures.push(
        `line ${c.line} (${c.rule}): expected ${c.expected}, got ${r.correct} ` +
          `[extracted ${JSON.stringify(r.extracted)}, gold ${
            JSON.stringify(r.gold)
          }, ${r.reason}/${r.check}]`,
      );
    }
  }
  assert.deepEqual(failures, []);
});
