import assert from "node:assert/strict";
import { join } from "node:path";
import { readRecords } from "../../lib/eval/records.ts";
import { regradeSamples } from "../../lib/eval/regrade.ts";
import { getSuite } from "../../lib/eval/registry.ts";
import type { HumanEvalReference } from "../../lib/eval/suites/humaneval.ts";
import { DATA_DIR, HAVE_DATA, quietIo } from "./_run_fixtures.ts";

const jsonl = (...xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join("\n") + "\n";

async function regrade(suite: string, content: string) {
  const dir = await Deno.makeTempDir({ prefix: "regrade_test_" });
  const samples = join(dir, "samples.jsonl");
  await Deno.writeTextFile(samples, content);
  try {
    const summary = await regradeSamples({
      suite,
      samples,
      out: join(dir, "out"),
      dataDir: DATA_DIR,
      ...quietIo(),
    });
    const records = (await readRecords(join(dir, "out", `${suite}.jsonl`))).records;
    return { summary, records };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const verdicts = (records: { id: string; sample: number; correct: boolean | null }[]) =>
  Object.fromEntries(records.map((r) => [`${r.id}#${r.sample}`, r.correct]));

Deno.test({
  name:
    "regradeSamples() passes HumanEval canonical completions and solutions (evalplus format) and fails a broken one",
  ignore: !HAVE_DATA,
  async fn() {
    const tasks = await getSuite("humaneval").load({ limit: 2, dataDir: DATA_DIR });
    const [t0, t1] = tasks.map((t) => t.reference as HumanEvalReference);
    const { summary, records } = await regrade(
      "humaneval",
      jsonl(
        { task_id: t0.task_id, completion: t0.canonical_solution },
        { task_id: t1.task_id, solution: t1.prompt + t1.canonical_solution },
        { task_id: t0.task_id, completion: "    return None\n" },
        { task_id: t1.task_id, completion: t1.canonical_solution },
      ),
    );
    assert.deepEqual(verdicts(records), {
      "HumanEval/0#0": true,
      "HumanEval/1#0": true,
      "HumanEval/0#1": false,
      "HumanEval/1#1": true,
    });
    const s = summary.suites[0];
    assert.equal(summary.mode, "samples");
    assert.deepEqual([s.tasks, s.samples, s.correct], [2, 4, 3]);
    assert.equal(s.pass_at_k["pass@1"], (0.5 + 1) / 2);
    assert.equal(s.pass_at_k["pass@2"], undefined); // only k in {1, 10, 100} are reported
  },
});

Deno.test({
  name: "regradeSamples() grades MultiPL-E TypeScript completions and MBPP+ evalplus solutions",
  ignore: !HAVE_DATA,
  async fn() {
    const ts = await regrade(
      "humaneval-ts",
      jsonl(
        { name: "HumanEval_23_strlen", completion: "  return string.length;\n}\n" },
        { name: "HumanEval_23_strlen", completion: "  return string.length + 1;\n}\n" },
      ),
    );
    assert.deepEqual(verdicts(ts.records), {
      "HumanEval_23_strlen#0": true,
      "HumanEval_23_strlen#1": false,
    });
    const mbppTasks = await getSuite("mbppplus").load({ limit: 1, dataDir: DATA_DIR });
    const record = JSON.parse((mbppTasks[0].reference as { record: string }).record);
    const mbpp = await regrade(
      "mbppplus",
      jsonl(
        { task_id: record.task_id, solution: record.canonical_solution },
        { task_id: record.task_id, solution: "def similar_elements(a, b):\n    return tuple(a)\n" },
      ),
    );
    assert.deepEqual(verdicts(mbpp.records), { "Mbpp/2#0": true, "Mbpp/2#1": false });
  },
});

Deno.test({
  name:
    "regradeSamples() grades math responses against the suite's gold (ids or Qwen's idx) and --suite math against each record's own answer",
  ignore: !HAVE_DATA,
  async fn() {
    const gsm = await regrade(
      "gsm8k",
      jsonl(
        { idx: 0, response: "She makes 9 * 2 = 18 dollars. The answer is 18." },
        { id: "test/1", response: "\\boxed{4}" },
      ),
    );
    assert.deepEqual(verdicts(gsm.records), { "test/0#0": true, "test/1#0": false });
    const m500 = await regrade(
      "math500",
      jsonl(
        {
          id: "test/precalculus/807.json",
          response: "So the point is $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}$.",
        },
        { id: "test/algebra/2584.json", response: "\\boxed{\\dfrac{14}{3}}" },
        { id: "test/algebra/2584.json", response: "\\boxed{4.7}" },
      ),
    );
    assert.deepEqual(verdicts(m500.records), {
      "test/precalculus/807.json#0": true,
      "test/algebra/2584.json#0": true,
      "test/algebra/2584.json#1": false,
    });
    const own = await regrade(
      "math",
      jsonl(
        { id: "a", response: "\\boxed{0.5}", answer: "\\frac{1}{2}" },
        { id: "b", response: "the answer is 7", answer: 8 },
      ),
    );
    assert.deepEqual(verdicts(own.records), { "a#0": true, "b#0": false });
    assert.equal(own.summary.suites[0].accuracy, 0.5);
  },
});

Deno.test({
  name: "regradeSamples() refuses unknown ids and math records without an answer, naming file:line",
  ignore: !HAVE_DATA,
  async fn() {
    await assert.rejects(
      () =>
        regrade(
          "humaneval",
          jsonl({ task_id: "HumanEval/0", completion: "" }, {
            task_id: "HumanEval/999",
            completion: "",
          }),
        ),
      /samples\.jsonl:2: field "task_id": unknown task id "HumanEval\/999" for suite humaneval \(164 tasks/,
    );
    await assert.rejects(
      () => regrade("math", jsonl({ id: "a", response: "1" })),
      /samples\.jsonl:1: field "answer": suite math needs each record's own "answer"/,
    );
    await assert.rejects(
      () => regrade("arena-hard", jsonl({ id: "x", response: "hi" })),
      /no per-sample verdict/,
    );
  },
});
