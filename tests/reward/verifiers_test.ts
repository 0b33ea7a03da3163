import assert from "node:assert/strict";
import { createMbppPlusSuite, type MbppReference } from "../../lib/eval/suites/mbppplus.ts";
import { pickVerifier, VerifierReward } from "../../lib/reward/verifier_reward.ts";
import { DATA_DIR, withData } from "../_data.ts";
import { record } from "./_fixtures.ts";

const gsm = { data_source: "openai/gsm8k", ground_truth: "18" };

Deno.test("VerifierReward grades math against meta.ground_truth with the evaluation grader", async () => {
  const v = new VerifierReward();
  try {
    const out = await v.score([
      record({
        response: "She earns 9 * 2 = 18 dollars, so the answer is $\\boxed{18}$.",
        meta: gsm,
      }),
      record({ response: "The answer is $\\boxed{17}$.", meta: gsm }),
      // verl's layout: ability + reward_model.ground_truth
      record({
        response: "\\boxed{\\frac{1}{2}}",
        meta: { data_source: "somewhere", ability: "math", reward_model: { ground_truth: "0.5" } },
      }),
    ]);
    assert.deepEqual(out, [
      { score: 1, terms: { correct: 1 } },
      { score: 0, terms: { correct: 0 } },
      { score: 1, terms: { correct: 1 } },
    ]);
  } finally {
    await v.close();
  }
});

const addTask = {
  data_source: "humaneval",
  prompt: "def add(a, b):\n",
  test:
    "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n",
  entry_point: "add",
};

Deno.test("VerifierReward runs a Python function in the sandbox: right passes, wrong fails", async () => {
  const v = new VerifierReward();
  try {
    const out = await v.score([
      record({ response: "    return a + b\n", meta: addTask }),
      record({ response: "    return a - b\n", meta: addTask }),
      record({
        response: "Here:\n```python\ndef add(a, b):\n    return b + a\n```\n",
        meta: addTask,
      }),
      // graded verbatim, as evaluation grades: a stop string never cuts a finished response
      record({
        response: "    return a + b\ndef junk(:\n",
        meta: { ...addTask, stop: ["\ndef "] },
      }),
    ]);
    assert.deepEqual(out.map((o) => o.terms.correct), [1, 0, 1, 0]);
  } finally {
    await v.close();
  }
});

withData.test("VerifierReward grades MBPP+ responses as the mbppplus suite does", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "mbppplus-expected-" });
  const v = new VerifierReward({ mbppCacheDir: cacheDir });
  try {
    const suite = createMbppPlusSuite({ cacheDir });
    const [task] = await suite.load({ dataDir: DATA_DIR, limit: 1 });
    const ref = task.reference as MbppReference;
    const right = "def similar_elements(a, b):\n    return tuple(set(a) & set(b))\n";
    const responses = [
      right,
      "def similar_elements(a, b):\n    return ()\n",
      // the completion's own wrong assert runs (no stop string cuts it), as in evaluation
      right + "\nassert similar_elements((1,), (2,)) == (9,)\n",
      "```python\n" + right + "```\n",
    ];
    const meta = { data_source: "mbppplus", ...ref };
    const out = await v.score(responses.map((response) => record({ response, meta })));
    const graded = await Promise.all(responses.map((r) => suite.grade!(task, r)));
    assert.deepEqual(out.map((o) => o.terms.correct), [1, 0, 0, 1]);
    assert.deepEqual(out.map((o) => o.score === 1), graded.map((g) => g.correct));
  } finally {
    await v.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("pickVerifier() picks by data_source, then by ability and code_judge", () => {
  assert.equal(pickVerifier({ data_source: "HuggingFaceH4/MATH-500" }), "math");
  assert.equal(pickVerifier({ data_source: "mbppplus" }), "mbppplus");
  assert.equal(pickVerifier({ data_source: "mine", ability: "math" }), "math");
  assert.equal(
    pickVerifier({ data_source: "mine", ability: "code", code_judge: "humaneval-ts" }),
    "humaneval-ts",
  );
  assert.throws(
    () => pickVerifier({ data_source: "mine", ability: "code" }),
    /meta\.code_judge: expected one of humaneval, mbppplus, humaneval-ts/,
  );
});

Deno.test("VerifierReward names the sample with an unknown data source and lists the known ones", async () => {
  const v = new VerifierReward();
  await assert.rejects(
    () => v.score([record({ meta: gsm }), record({ meta: { data_source: "codecontests" } })]),
    /sample 1: no verifier for data_source "codecontests" \(ability undefined\); known data sources: openai\/gsm8k, /,
  );
});

Deno.test("VerifierReward names a missing meta field", async () => {
  const v = new VerifierReward();
  await assert.rejects(
    () => v.score([record({ meta: { data_source: "gsm8k" } })]),
    /sample 0: meta\.ground_truth: .* \(verifier math\)/,
  );
  await assert.rejects(
    () => v.score([record({ meta: { data_source: "humaneval", prompt: "", test: "" } })]),
    /meta\.entry_point: .* \(verifier humaneval\)/,
  );
});

const strlenTask = {
  data_source: "humaneval-ts",
  prompt: "function strlen(s: string): number {\n",
  tests: "declare var require: any;\nconst assert = require('node:assert');\n" +
    "assert.deepEqual(strlen('abc'), 3);\n",
  entry_point: "strlen",
  stop_tokens: ["\nfunction "],
};

Deno.test("VerifierReward compiles and runs a TypeScript function as MultiPL-E does", async () => {
  const v = new VerifierReward();
  try {
    const out = await v.score([
      record({ response: "  return s.length;\n}\n", meta: strlenTask }),
      record({ response: "  return s.length + 1;\n}\n", meta: strlenTask }),
      record({ response: "  return s;\n}\n", meta: strlenTask }), // a type error fails it
    ]);
    assert.deepEqual(out.map((o) => o.terms.correct), [1, 0, 0]);
  } finally {
    await v.close();
  }
});
