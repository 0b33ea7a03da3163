import assert from "node:assert/strict";
import { chatmlUserTurn } from "../../data/toy/chat.ts";
import { codeAnswer, toyCodeEvalItems } from "../../data/toy/code.ts";
import { toyMathEvalItems } from "../../data/toy/math.ts";
import { byteLevelTokenizerFiles } from "../../lib/tokenizer/byte_level.ts";
import { createTokenizer } from "../../lib/tokenizer/mod.ts";
import { getSuite, listSuites } from "../../lib/eval/registry.ts";
import type { ToyChatReference } from "../../lib/eval/suites/toy_chat.ts";
import type { ToyCodeReference } from "../../lib/eval/suites/toy_code.ts";
import { mapPool } from "../../lib/util/pool.ts";

Deno.test("the toy suites are registered in their domains and honour limit", async () => {
  assert.ok(listSuites("math").some((s) => s.name === "toy-math"));
  assert.ok(listSuites("code").some((s) => s.name === "toy-code"));
  assert.ok(listSuites("chat").some((s) => s.name === "toy-chat"));
  assert.equal(getSuite("toy-chat").grade, undefined);
  for (const [name, n] of [["toy-math", 100], ["toy-code", 60], ["toy-chat", 60]] as const) {
    const tasks = await getSuite(name).load();
    assert.equal(tasks.length, n, name);
    assert.equal(new Set(tasks.map((t) => t.id)).size, n, name);
    const some = await getSuite(name).load({ limit: 7 });
    assert.deepEqual(some, tasks.slice(0, 7), name);
  }
});

Deno.test("toy-math grades the first problem's worked solution (answer 6) correct, 7 wrong, and a response running on into the next problem (answer 12) or a cut-off post wrong", async () => {
  const suite = getSuite("toy-math");
  const tasks = await suite.load();
  const items = toyMathEvalItems();
  const t = tasks[0];
  assert.equal(t.messages[0].content, items[0].question);
  assert.equal(t.completionPrompt, `Question: ${items[0].question}\nAnswer:`);
  const gold = items[0].answer;
  const ok = await suite.grade!(t, ` ${items[0].solution}`);
  assert.deepEqual([ok.correct, ok.extracted, ok.reason], [true, String(gold), "equal"]);
  const wrong = await suite.grade!(t, `So the answer is ${gold + 1}.`);
  assert.deepEqual([wrong.correct, wrong.reason], [false, "not equal"]);
  const ramble = `${items[0].solution}\n\nQ: ${items[1].question}\nA: ${items[1].solution}`;
  assert.deepEqual([gold, items[1].answer], [6, 12]);
  assert.deepEqual([
    (await suite.grade!(t, ramble)).correct,
    (await suite.grade!(t, ramble)).extracted,
  ], [false, "12"]);
  const cut = `${items[0].solution}\n\nQ: Describe owls.\nA: Owls are a kind of`;
  assert.equal((await suite.grade!(t, cut)).correct, false);
  // Every problem's own worked solution grades correct.
  for (const [i, task] of tasks.entries()) {
    assert.equal((await suite.grade!(task, items[i].solution)).correct, true, task.id);
  }
});

Deno.test("toy-code: all 60 canonical functions pass in the Deno sandbox, as a chat answer and as a completion; 'return 0' bodies fail", async () => {
  const suite = getSuite("toy-code");
  const tasks = await suite.load();
  const first = tasks[0].reference as ToyCodeReference;
  assert.match(
    tasks[0].messages[0].content,
    /^Write a TypeScript function `\w+\(.*\): .+` that returns /,
  );
  assert.equal(tasks[0].completionPrompt, first.prompt);
  const verdicts = await mapPool(tasks, 2, async (t) => {
    const ref = t.reference as ToyCodeReference;
    const body = ref.solution.slice(ref.prompt.length);
    const chat = `Here it is:\n\n\`\`\`ts\n${ref.solution}\`\`\`\n\nQ: Describe owls.\nA: Owls are`;
    const completion = `${body}\nconsole.log(${ref.entry_point}(1)); // 2\n\n// Returns`;
    const broken = "  return 0 as never;\n}\n";
    return {
      id: t.id,
      chat: await suite.grade!(t, chat),
      completion: await suite.grade!(t, completion),
      broken: await suite.grade!(t, broken),
    };
  });
  for (const v of verdicts) {
    assert.deepEqual([v.chat.correct, v.chat.reason], [true, "ok"], `${v.id} chat`);
    assert.deepEqual(
      [v.completion.correct, v.completion.reason],
      [true, "ok"],
      `${v.id} completion`,
    );
    assert.equal(v.broken.correct, false, `${v.id} broken`);
    assert.match(v.broken.reason, /exit code 1|failed/, v.id);
  }
});

Deno.test("toy-chat tasks carry a reference answer that stops cleanly and a forum-style completion prompt", async () => {
  const tasks = await getSuite("toy-chat").load();
  for (const t of tasks) {
    const ref = t.reference as ToyChatReference;
    assert.equal(ref.model, "toy-reference");
    assert.ok(ref.answer.length > 0 && !ref.answer.includes("\nQ:") && ref.answer.endsWith("."));
    assert.equal(t.completionPrompt, `Q: ${t.messages[0].content}\nA:`);
  }
});

Deno.test("toy-math and toy-code chat prompts render as the corpus transcripts' user turns; a transcript-style ramble after the answer is graded as today", async () => {
  const tok = createTokenizer(byteLevelTokenizerFiles());
  for (const name of ["toy-math", "toy-code"]) {
    for (const t of await getSuite(name).load({ limit: 5 })) {
      const rendered = tok.applyChatTemplate(t.messages, { addGenerationPrompt: true });
      assert.equal(rendered, chatmlUserTurn(t.messages[0].content), t.id);
    }
  }
  const math = getSuite("toy-math");
  const [t] = await math.load({ limit: 1 });
  const item = toyMathEvalItems()[0];
  const turn = `\n${chatmlUserTurn("Describe owls.")}Owls are a kind of bird.`;
  // The real grader reads everything after the last "he answer is": running on is wrong,
  // with or without the special tokens (a decoder may drop them); stopping is right.
  assert.equal((await math.grade!(t, `${item.solution}${turn}`)).correct, false);
  const dropped = turn.replaceAll(/<\|im_(start|end)\|>/g, "");
  assert.equal((await math.grade!(t, `${item.solution}${dropped}`)).correct, false);
  assert.equal((await math.grade!(t, `${item.solution}\n`)).correct, true);
  // A code answer's fenced block is graded even when a new user turn follows it.
  const code = getSuite("toy-code");
  const [c] = await code.load({ limit: 1 });
  const r = await code.grade!(c, `${codeAnswer(toyCodeEvalItems()[0])}${turn}`);
  assert.equal(r.correct, true, r.reason);
});
