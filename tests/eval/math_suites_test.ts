import assert from "node:assert/strict";
import { getSuite } from "../../lib/eval/registry.ts";
import { createGsm8kSuite, gsm8kCompletionPrompt, gsm8kGold } from "../../lib/eval/suites/gsm8k.ts";
import { MATH_INSTRUCTION } from "../../lib/eval/suites/_math.ts";
import type { EvalTask } from "../../lib/eval/suite.ts";
import { DATA_DIR, withData } from "../_data.ts";

const SHARED = DATA_DIR;

withData.test("math500 loads 500 tasks keyed by unique_id with Qwen2.5-Math chat and completion prompts", async () => {
  const suite = getSuite("math500");
  const tasks = await suite.load({ dataDir: SHARED });
  assert.equal(tasks.length, 500);
  const t = tasks[0];
  assert.equal(t.id, "test/precalculus/807.json");
  assert.deepEqual(t.messages[0], { role: "system", content: MATH_INSTRUCTION });
  assert.equal(t.messages[1].role, "user");
  assert.match(t.messages[1].content, /^Convert the point \$\(0,3\)\$ in rectangular coordinates/);
  assert.ok(t.completionPrompt.startsWith("User: Convert the point"));
  assert.ok(t.completionPrompt.endsWith(`\n${MATH_INSTRUCTION}\n\nAssistant:`));
  assert.deepEqual(t.reference, { answer: "\\left( 3, \\frac{\\pi}{2} \\right)" });
  assert.equal(
    (await suite.grade!(t, "So $(r,\\theta) = \\boxed{(3, \\frac{\\pi}{2})}$.")).correct,
    true,
  );
  const wrong = await suite.grade!(t, "\\boxed{(3, \\pi)}");
  assert.deepEqual([wrong.correct, wrong.extracted, wrong.reason], [
    false,
    "(3,\\pi)",
    "not equal",
  ]);
});

withData.test("aime24 and amc23 load their tasks and grade integer answers", async () => {
  const aime = await getSuite("aime24").load({ dataDir: SHARED });
  assert.equal(aime.length, 30);
  assert.equal(aime[0].id, "60");
  assert.deepEqual(aime[0].reference, { answer: "204" });
  assert.equal(
    (await getSuite("aime24").grade!(aime[0], "The answer is $\\boxed{204}$")).correct,
    true,
  );
  const amc = await getSuite("amc23").load({ dataDir: SHARED, limit: 3 });
  assert.equal(amc.length, 3);
  assert.deepEqual(amc[0].reference, { answer: 27 });
  assert.match(amc[0].messages[1].content, /^Cities \$A\$ and \$B\$ are \$45\$ miles apart/);
  assert.equal((await getSuite("amc23").grade!(amc[0], "\\boxed{27}")).correct, true);
  assert.equal((await getSuite("amc23").grade!(amc[0], "\\boxed{28}")).correct, false);
});

withData.test("gsm8k builds lm-eval's 5-shot prompt from the first train records and grades the #### gold", async () => {
  const suite = getSuite("gsm8k");
  const tasks = await suite.load({ dataDir: SHARED, limit: 2 });
  assert.equal(tasks.length, 2);
  const t = tasks[0];
  assert.equal(t.id, "test/0");
  assert.deepEqual(t.reference, { answer: "18" });
  assert.deepEqual(t.stop, ["Question:", "</s>", "<|im_end|>"]);
  const blocks = t.completionPrompt.split("\n\nQuestion: ");
  assert.equal(blocks.length, 6, "5 examples + the question");
  assert.ok(blocks[0].startsWith("Question: Natalia sold clips to 48 of her friends in April"));
  assert.match(blocks[0], /\nAnswer: .*\n#### 72$/s);
  assert.ok(blocks[5].startsWith("Janet’s ducks lay 16 eggs per day."));
  assert.ok(blocks[5].endsWith("\nAnswer:"));
  assert.equal(suite.defaultPromptStyle, "completion");
  assert.equal(
    (await suite.grade!(t, " She sells 9 eggs for 9 * 2 = $18.\n#### 18")).correct,
    true,
  );
  assert.equal((await suite.grade!(t, " She makes \\boxed{18.00} dollars")).correct, true);
  const strict = createGsm8kSuite({ grader: "lm-eval-strict" });
  assert.equal((await strict.grade!(t, " She makes \\boxed{18} dollars")).correct, false);
  assert.equal((await strict.grade!(t, "#### 18")).correct, true);
});

Deno.test("gsm8kCompletionPrompt() and gsm8kGold() follow the harness format", () => {
  assert.equal(
    gsm8kCompletionPrompt("Q?", [{ question: "A?", answer: "x\n#### 1" }]),
    "Question: A?\nAnswer: x\n#### 1\n\nQuestion: Q?\nAnswer:",
  );
  assert.equal(gsm8kCompletionPrompt("Q?", []), "Question: Q?\nAnswer:");
  assert.equal(gsm8kGold("... $<<9*2=18>>18\n#### 1,018"), "1018");
});

withData.test("arena-hard joins the 500 questions with gpt-4-0314's answers and has no grade", async () => {
  const suite = getSuite("arena-hard");
  const tasks = await suite.load({ dataDir: SHARED });
  assert.equal(tasks.length, 500);
  const t = tasks[0];
  assert.equal(t.id, "328c149ed45a41c0b9d6f14659e63599");
  assert.deepEqual(t.messages, [{
    role: "user",
    content: "Use ABC notation to write a melody in the style of a folk tune.",
  }]);
  const ref = t.reference as { answer: string; model: string; category: string; cluster: string };
  assert.equal(ref.model, "gpt-4-0314");
  assert.equal(ref.cluster, "ABC Sequence Puzzles & Groups");
  assert.match(ref.answer, /X:1/);
  assert.equal(suite.grade, undefined);
  assert.equal(suite.domain, "chat");
});

async function tempJsonl(lines: string[]): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

Deno.test("the generic math suite grades any file whose records carry their own answer", async () => {
  const file = await tempJsonl([
    JSON.stringify({ id: "a", problem: "1+1?", answer: "2" }),
    JSON.stringify({ question: "Half of one?", answer: 0.5 }),
    JSON.stringify({ unique_id: "c", prompt: "3/4?", solution: "It is $\\boxed{\\dfrac34}$." }),
  ]);
  try {
    const suite = getSuite("math");
    const tasks = await suite.load({ file });
    assert.deepEqual(tasks.map((t: EvalTask) => t.id), ["a", "1", "c"]);
    assert.deepEqual(tasks.map((t) => t.reference), [{ answer: "2" }, { answer: 0.5 }, {
      answer: "\\dfrac34",
    }]);
    assert.equal(tasks[1].messages[1].content, "Half of one?");
    assert.equal((await suite.grade!(tasks[1], "\\boxed{\\frac{1}{2}}")).correct, true);
    assert.equal((await suite.grade!(tasks[2], "\\boxed{0.75}")).correct, true);
    assert.equal((await suite.grade!(tasks[0], "\\boxed{3}")).correct, false);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("the generic math suite names file:line and field of a bad record, or skips it with a warning", async () => {
  const file = await tempJsonl([
    JSON.stringify({ problem: "1+1?", answer: "2" }),
    JSON.stringify({ problem: "no gold" }),
    JSON.stringify({ answer: "3" }),
  ]);
  try {
    const suite = getSuite("math");
    await assert.rejects(
      () => suite.load({ file }),
      new RegExp(`${file}:2: field "answer": expected the gold as answer`),
    );
    const warnings: string[] = [];
    const tasks = await suite.load({
      file,
      skipMalformed: true,
      onWarning: (w) => warnings.push(w),
    });
    assert.equal(tasks.length, 1);
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[1],
      new RegExp(`${file}:3: field "problem": expected the problem as problem, question or prompt`),
    );
    await assert.rejects(() => suite.load({}), /suite math grades your own data/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a benchmark file in the mirror with the wrong content fails its sha256 check", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/aime24`);
    // A mirror with a wrong file fails its sha256 check before any parsing.
    await Deno.writeTextFile(
      `${dir}/aime24/test.jsonl`,
      '{"id": 1, "problem": "p", "answer": 5}\n',
    );
    await assert.rejects(
      () => getSuite("aime24").load({ dataDir: dir }),
      /sha256 mismatch for aime24\/test\.jsonl/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
