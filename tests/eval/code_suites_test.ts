import assert from "node:assert/strict";
import { getSuite, listSuites } from "../../lib/eval/registry.ts";
import type { EvalTask } from "../../lib/eval/suite.ts";
import type { HumanEvalReference } from "../../lib/eval/suites/humaneval.ts";
import { createMbppPlusSuite, type MbppReference } from "../../lib/eval/suites/mbppplus.ts";
import type { HumanEvalTsReference } from "../../lib/eval/suites/humaneval_ts.ts";
import { mapPool } from "../../lib/reward/code/pool.ts";
import { closeSharedTscService } from "../../lib/reward/code/tsc_service.ts";
import { TS_REFERENCES } from "../reward/code/humaneval_ts_solutions.ts";
import { DATA_DIR, withData } from "../_data.ts";
import { pythonBug } from "./_python_bug.ts";

const SHARED = DATA_DIR;

Deno.test("the code suites are registered under their names", () => {
  const code = listSuites("code").map((s) => s.name);
  for (const n of ["humaneval", "humaneval-ts", "mbppplus"]) assert.ok(code.includes(n), n);
  assert.equal(getSuite("mbppplus").defaultPromptStyle, "completion");
});

withData.test("humaneval: all 164 canonical solutions pass and the same with a bug fail", async () => {
  const suite = getSuite("humaneval");
  const tasks = await suite.load({ dataDir: SHARED });
  assert.equal(tasks.length, 164);
  const t = tasks[0];
  assert.equal(t.id, "HumanEval/0");
  assert.equal(t.completionPrompt, (t.reference as HumanEvalReference).prompt);
  assert.match(t.messages[0].content, /^Please provide a self-contained Python script/);
  assert.ok(t.stop.includes("\ndef "));
  const t0 = performance.now();
  const good = await mapPool(
    tasks,
    4,
    (task) => suite.grade!(task, (task.reference as HumanEvalReference).canonical_solution),
  );
  // As a chat answer (a whole program in a code block): a completion would be cut at "\ndef ".
  const bad = await mapPool(tasks, 4, (task) => {
    const ref = task.reference as HumanEvalReference;
    const program = ref.prompt + ref.canonical_solution + pythonBug(ref.entry_point);
    return suite.grade!(task, "```python\n" + program + "```\n");
  });
  console.log(`humaneval: 2 x 164 programs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const failing = tasks.filter((_, i) => !good[i].correct).map((x, i) =>
    `${x.id} ${good[i].reason}`
  );
  assert.deepEqual(failing, []);
  assert.deepEqual(tasks.filter((_, i) => bad[i].correct).map((x) => x.id), []);
  assert.ok(bad.every((r) => r.reason.startsWith("failed:")), "bugs fail their assertions");
});

withData.test("humaneval: a chat answer's code block is graded as the whole solution", async () => {
  const suite = getSuite("humaneval");
  const [task] = await suite.load({ dataDir: SHARED, limit: 1 });
  const ref = task.reference as HumanEvalReference;
  const answer = "Here you go:\n```python\nfrom typing import List\n\n" +
    "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n" +
    ref.canonical_solution + "```\nThis compares all pairs.";
  const r = await suite.grade!(task, answer);
  assert.equal(r.correct, true, r.reason);
  assert.match(r.extracted!, /^from typing import List/);
  const prose = await suite.grade!(task, "I am not sure how to solve this.");
  assert.equal(prose.correct, false);
});

// Special oracles, tolerances, input decoding (tuples, sets, complex), exact big integers,
// Infinity, an empty plus set, plus every 12th task; the heavy tasks are left to the task
// `deno run -A tests/eval/code_canonical.ts`.
const MBPP_SUBSET = new Set([
  "Mbpp/2",
  "Mbpp/7",
  "Mbpp/77",
  "Mbpp/82",
  "Mbpp/99",
  "Mbpp/111",
  "Mbpp/115",
  "Mbpp/124",
  "Mbpp/140",
  "Mbpp/164",
  "Mbpp/232",
  "Mbpp/233",
  "Mbpp/249",
  "Mbpp/252",
  "Mbpp/295",
  "Mbpp/404",
  "Mbpp/558",
  "Mbpp/579",
  "Mbpp/581",
  "Mbpp/722",
  "Mbpp/737",
  "Mbpp/769",
  "Mbpp/787",
  "Mbpp/793",
  "Mbpp/794",
]);

withData.test("mbppplus: canonical solutions of a subset pass and the same with a bug fail", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "mbppplus-expected-" });
  try {
    const suite = createMbppPlusSuite({ cacheDir });
    const all = await suite.load({ dataDir: SHARED });
    assert.equal(all.length, 399);
    const raw = (t: EvalTask) => (t.reference as MbppReference).record;
    // Records stay verbatim: big integers and Infinity survive for the Python side.
    assert.match(
      raw(all.find((t) => t.id === "Mbpp/99")!),
      /999999999999999999999999999999999999999999/,
    );
    assert.match(raw(all.find((t) => t.id === "Mbpp/404")!), /-Infinity/);
    const tasks = all.filter((t, i) => MBPP_SUBSET.has(t.id) || i % 12 === 0);
    const canonical = (t: EvalTask) =>
      JSON.parse(raw(t).replace(/-?Infinity/g, "0")).canonical_solution;
    const t0 = performance.now();
    const good = await mapPool(tasks, 4, (t) => suite.grade!(t, canonical(t)));
    const t1 = performance.now();
    const bad = await mapPool(tasks, 4, (t) => {
      const entry = (t.reference as MbppReference).entry_point;
      return suite.grade!(t, canonical(t) + pythonBug(entry));
    });
    console.log(
      `mbppplus: ${tasks.length} tasks, expected outputs + canonical ${
        ((t1 - t0) / 1000).toFixed(1)
      } s, ` +
        `bugs ${((performance.now() - t1) / 1000).toFixed(1)} s`,
    );
    assert.deepEqual(
      tasks.filter((_, i) => !good[i].correct).map((t, i) => `${t.id} ${good[i].reason}`),
      [],
    );
    // Mbpp/164's special oracle accepts any output (evalplus: `exact_match or True`).
    assert.deepEqual(tasks.filter((_, i) => bad[i].correct).map((t) => t.id), ["Mbpp/164"]);
    const cached = [...Deno.readDirSync(cacheDir)].length;
    assert.equal(cached, tasks.length, "one cached expected-output file per task");
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

withData.test("mbppplus: completions are appended to the docstring prompt verbatim, as evalplus grades them", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "mbppplus-expected-" });
  try {
    const suite = createMbppPlusSuite({ cacheDir });
    const [task] = await suite.load({ dataDir: SHARED, limit: 1 });
    assert.equal(task.id, "Mbpp/2");
    const completion = "def similar_elements(a, b):\n    return tuple(set(a) & set(b))\n" +
      "\nassert similar_elements((1,), (2,)) == (9,)\n";
    // Stop strings belong to generation: the completion's own wrong assert runs and fails.
    const r = await suite.grade!(task, completion);
    assert.deepEqual([r.correct, r.reason], [false, "failed: AssertionError"]);
    assert.equal(r.extracted, completion);
    const wrong = await suite.grade!(task, "def similar_elements(a, b):\n    return ()\n");
    assert.deepEqual([wrong.correct, wrong.reason], [false, "failed: AssertionError"]);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

withData.test("humaneval-ts: hand-written references pass, their buggy twins and type errors fail", async () => {
  const suite = getSuite("humaneval-ts");
  const tasks = await suite.load({ dataDir: SHARED });
  assert.equal(tasks.length, 159);
  assert.equal(tasks[0].id, "HumanEval_23_strlen");
  assert.equal((tasks[0].reference as HumanEvalTsReference).entry_point, "strlen");
  assert.deepEqual(tasks[0].stop, ["\nfunction ", "\n/*", "\n//", "\nclass"]);
  const chosen = tasks.filter((t) => t.id in TS_REFERENCES);
  assert.equal(chosen.length, Object.keys(TS_REFERENCES).length);
  try {
    const t0 = performance.now();
    const good = await mapPool(chosen, 4, (t) => suite.grade!(t, TS_REFERENCES[t.id].good));
    const bad = await mapPool(chosen, 4, (t) => suite.grade!(t, TS_REFERENCES[t.id].bad));
    console.log(
      `humaneval-ts: 2 x ${chosen.length} programs in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
    );
    assert.deepEqual(
      chosen.filter((_, i) => !good[i].correct).map((t, i) => `${t.id} ${good[i].reason}`),
      [],
    );
    assert.deepEqual(chosen.filter((_, i) => bad[i].correct).map((t) => t.id), []);
    assert.ok(
      bad.every((r) => r.reason === "failed: AssertionError"),
      bad.map((r) => r.reason).join(),
    );
    const strlen = chosen.find((t) => t.id === "HumanEval_23_strlen")!;
    const typeError = await suite.grade!(strlen, "  return string;\n}\n");
    assert.deepEqual([typeError.correct, typeError.reason], [false, "compile error"]);
    // A completion runs on past the function: it is cut at the first stop token.
    const runOn = await suite.grade!(
      strlen,
      "  return string.length;\n}\n// done\nthrow new Error('x');\n",
    );
    assert.deepEqual([runOn.correct, runOn.extracted], [true, "  return string.length;\n}"]);
    const chat = await suite.grade!(
      strlen,
      "```typescript\nfunction strlen(string: string): number {\n  return string.length;\n}\n```",
    );
    assert.equal(chat.correct, true, chat.reason);
  } finally {
    await closeSharedTscService();
  }
});
