import assert from "node:assert/strict";
import { parseSamples } from "../../lib/eval/samples_io.ts";

const lines = (...xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join("\n") + "\n";

Deno.test("parseSamples() reads evalplus completions and solutions, numbering samples per task", () => {
  const s = parseSamples(
    lines(
      { task_id: "HumanEval/0", completion: "  return 1\n" },
      { task_id: "HumanEval/1", solution: "def f():\n  return 2\n" },
      { task_id: "HumanEval/0", completion: "  return 3\n" },
    ),
    "s.jsonl",
  );
  assert.deepEqual(
    s.map((x) => [x.id, x.sample, x.isSolution, x.line, x.format]),
    [
      ["HumanEval/0", 0, false, 1, "evalplus"],
      ["HumanEval/1", 0, true, 2, "evalplus"],
      ["HumanEval/0", 1, false, 3, "evalplus"],
    ],
  );
  assert.equal(s[1].response, "def f():\n  return 2\n");
});

Deno.test("parseSamples() reads MultiPL-E completion and completions records", () => {
  const s = parseSamples(
    lines(
      { name: "HumanEval_23_strlen", completion: "  return s.length;\n}" },
      { name: "HumanEval_23_strlen", completions: ["a", "b"], temperature: 0.2 },
    ),
    "m.jsonl",
  );
  assert.deepEqual(s.map((x) => [x.id, x.sample, x.response, x.line]), [
    ["HumanEval_23_strlen", 0, "  return s.length;\n}", 1],
    ["HumanEval_23_strlen", 1, "a", 2],
    ["HumanEval_23_strlen", 2, "b", 2],
  ]);
});

Deno.test("parseSamples() reads math records by id or idx, with their own answers", () => {
  const s = parseSamples(
    lines(
      { idx: 0, response: "so 18", answer: 18 },
      { id: "test/algebra/1.json", response: "\\boxed{2}" },
      { idx: 3, responses: ["1", "2"], answer: "\\frac12" },
    ),
    "math.jsonl",
  );
  assert.deepEqual(s.map((x) => [x.id, x.sample, x.answer, x.format]), [
    ["0", 0, "18", "math"],
    ["test/algebra/1.json", 0, null, "math"],
    ["3", 0, "\\frac12", "math"],
    ["3", 1, "\\frac12", "math"],
  ]);
});

Deno.test("parseSamples() errors name file:line for bad JSON, unknown formats and missing fields", () => {
  const ok = JSON.stringify({ task_id: "HumanEval/0", completion: "x" });
  assert.throws(
    () => parseSamples(`${ok}\n{nope\n`, "a.jsonl"),
    /^DataFormatError: a\.jsonl:2: invalid JSON/,
  );
  assert.throws(
    () => parseSamples(`${ok}\n\n{"foo": 1}\n`, "a.jsonl"),
    /a\.jsonl:3: unknown format: expected "task_id" \(evalplus\), "name" \(MultiPL-E\) or "id"\/"idx" \(math\)/,
  );
  assert.throws(
    () => parseSamples('{"task_id": "HumanEval/0", "completion": 5}\n', "a.jsonl"),
    /a\.jsonl:1: evalplus format needs "task_id" and a string "completion" or "solution"/,
  );
  assert.throws(
    () => parseSamples('{"idx": 2, "pred": "5"}\n', "a.jsonl"),
    /a\.jsonl:1: field "response": math format needs a string "response"/,
  );
  assert.throws(() => parseSamples("[1, 2]\n", "a.jsonl"), /a\.jsonl:1: expected a JSON object/);
});
