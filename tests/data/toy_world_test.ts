import assert from "node:assert/strict";
import { join } from "node:path";
import {
  chatmlUserTurn,
  chatPromptPool,
  codeKey,
  generateChatPrompts,
  generateCodeItems,
  generateCorpus,
  generateMathProblems,
  generateRmPairs,
  toyChatEvalItems,
  toyCodeEvalItems,
  toyMathEvalItems,
  writeToyWorld,
} from "../../data/toy/mod.ts";
import { loadPrompts } from "../../lib/rl/prompts.ts";
import { byteLevelTokenizerFiles } from "../../lib/tokenizer/byte_level.ts";
import { createTokenizer } from "../../lib/tokenizer/mod.ts";

const readLines = async (path: string) =>
  (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => JSON.parse(l));

Deno.test("the chat prompt pool has 520 distinct prompts and the RL split of seed 1 is 420 + 40, disjoint from the 60 toy-chat prompts", () => {
  const pool = chatPromptPool();
  assert.equal(pool.length, 520);
  assert.equal(new Set(pool.map((x) => x.prompt)).size, 520);
  const { train, val } = generateChatPrompts(1);
  assert.deepEqual([train.length, val.length], [420, 40]);
  const evalIds = new Set(toyChatEvalItems().map((x) => x.id));
  assert.equal(evalIds.size, 60);
  const ids = [...train, ...val].map((x) => x.id);
  assert.equal(new Set(ids).size, 460);
  assert.ok(ids.every((id) => !evalIds.has(id)));
});

Deno.test("generators give the same records for seed 1 twice and different records for seed 2", () => {
  const items = generateChatPrompts(1).train.slice(0, 20);
  assert.deepEqual(generateChatPrompts(1), generateChatPrompts(1));
  assert.notDeepEqual(generateChatPrompts(1).train, generateChatPrompts(2).train);
  assert.deepEqual(generateRmPairs(1, items), generateRmPairs(1, items));
  assert.notDeepEqual(generateRmPairs(1, items), generateRmPairs(2, items));
  assert.deepEqual(generateMathProblems(1, 50), generateMathProblems(1, 50));
  assert.notDeepEqual(generateMathProblems(1, 50), generateMathProblems(2, 50));
  assert.deepEqual(generateCodeItems(1, 30), generateCodeItems(1, 30));
  assert.notDeepEqual(generateCodeItems(1, 30), generateCodeItems(2, 30));
  const corpus = (s: number) => generateCorpus(s, { bytes: 20_000, chatItems: items });
  assert.deepEqual(corpus(1), corpus(1));
  assert.notDeepEqual(corpus(1), corpus(2));
});

Deno.test("the corpus of seed 1 is ASCII, about 400 KB, 5% held out, and contains no toy-math question or toy-code function", () => {
  const { train, val } = generateCorpus(1, { chatItems: generateChatPrompts(1).train });
  const all = [...train, ...val];
  const bytes = all.reduce((n, d) => n + d.text.length, 0);
  assert.ok(bytes >= 400_000 && bytes < 410_000, `${bytes} bytes`);
  assert.equal(val.length, Math.round(all.length * 0.05));
  const text = all.map((d) => d.text).join("\n");
  assert.ok([...text].every((c) => c.charCodeAt(0) < 128), "non-ASCII text in the corpus");
  for (const p of toyMathEvalItems()) assert.ok(!text.includes(p.question), p.question);
  for (const c of toyCodeEvalItems()) {
    assert.ok(!text.includes(`// ${c.comment}\nfunction ${c.name}(`), c.name);
  }
  for (const x of toyChatEvalItems()) {
    assert.ok(!text.includes(`Q: ${x.prompt}\n`), x.prompt);
    assert.ok(!text.includes(`user\n${x.prompt}<|im_end|>`), x.prompt);
  }
  assert.match(text, /So the answer is \d+\.\n/);
  assert.match(text, /console\.log\(\w+\(.*\)\); \/\/ /);
  // No thread, worksheet or transcript ends on an answer: the last post is an open question.
  for (const d of all.filter((d) => /^(Forum|Worksheet|<\|im_start\|>)/.test(d.text))) {
    assert.match(d.text, /\n(Q|Question): [^\n]*\n$/);
  }
});

Deno.test("a third of the corpus of seed 1 is ChatML transcripts whose assistant answers in the corpus's formats and rambles on without <|im_end|>", () => {
  const { train, val } = generateCorpus(1, { chatItems: generateChatPrompts(1).train });
  const all = [...train, ...val];
  const chats = all.filter((d) => d.text.startsWith("<|im_start|>user\n"));
  const share = chats.length / all.length;
  assert.ok(share > 0.28 && share < 0.42, `${chats.length} of ${all.length}`);
  assert.ok(all.every((d) => d.text.startsWith("<|im_start|>") === chats.includes(d)));
  const firstAnswers = { math: 0, code: 0, chat: 0 };
  for (const { text } of chats) {
    // Every <|im_end|> closes a user turn; the assistant's turns are never closed.
    const ends = text.split("<|im_end|>").length - 1;
    assert.equal(ends, text.split("<|im_start|>user\n").length - 1, text);
    assert.equal(ends, text.split("<|im_end|>\n<|im_start|>assistant\n").length - 1, text);
    const [, question, rest] = text.match(
      /^<\|im_start\|>user\n(.*?)<\|im_end\|>\n<\|im_start\|>assistant\n([^]*)$/,
    )!;
    assert.ok(text.startsWith(chatmlUserTurn(question)));
    // The answer is followed by more text: a forum post or a new user turn.
    assert.match(rest, /\n(\nQ: |<\|im_start\|>user\n)/);
    if (/^Here it is:\n\n```ts\n/.test(rest)) firstAnswers.code++;
    else if (/^[^\n]* So the answer is \d+\.\n/.test(rest)) firstAnswers.math++;
    else firstAnswers.chat++;
  }
  assert.ok(Object.values(firstAnswers).every((n) => n >= 20), JSON.stringify(firstAnswers));
});

Deno.test("the byte-level tokenizer maps <|im_start|> and <|im_end|> in corpus text to ids 257 and 258 and round-trips the text", () => {
  const tok = createTokenizer(byteLevelTokenizerFiles());
  const doc = generateCorpus(1, { chatItems: generateChatPrompts(1).train }).train
    .find((d) => d.text.startsWith("<|im_start|>"))!.text;
  const ids = tok.encode(doc, { addSpecialTokens: false });
  assert.deepEqual(
    ids.slice(0, 6),
    [257, ..."user\n"].map((c) => typeof c === "number" ? c : c.charCodeAt(0)),
  );
  const count = (s: string) => doc.split(s).length - 1;
  assert.equal(ids.filter((i) => i === 257).length, count("<|im_start|>"));
  assert.equal(ids.filter((i) => i === 258).length, count("<|im_end|>"));
  assert.ok(ids.every((i) => i < 256 || i === 257 || i === 258));
  assert.equal(ids.length, doc.length - 11 * count("<|im_start|>") - 9 * count("<|im_end|>"));
  assert.equal(tok.decode(ids), doc);
  const turn = chatmlUserTurn("Describe owls.");
  assert.equal(
    tok.applyChatTemplate([{ role: "user", content: "Describe owls." }], {
      addGenerationPrompt: true,
    }),
    turn,
  );
});

Deno.test("transcriptStopShare ends that share of transcripts right after the answer", () => {
  const chatItems = generateChatPrompts(1).train;
  const all = (o: { transcriptStopShare?: number }) => {
    const c = generateCorpus(1, { chatItems, bytes: 60_000, ...o });
    return [...c.train, ...c.val].filter((d) => d.text.startsWith("<|im_start|>"));
  };
  const stopped = all({ transcriptStopShare: 1 });
  assert.ok(stopped.length > 0);
  for (const { text } of stopped) assert.ok(!/\n(\nQ: |<\|im_start\|>user)/.test(text), text);
  assert.ok(all({}).every((d) => /\nQ: [^\n]*\n$/.test(d.text)));
  assert.throws(
    () => generateCorpus(1, { chatItems, transcriptStopShare: 2 }),
    /transcriptStopShare/,
  );
});

Deno.test("RM pairs of seed 1 prefer a clean answer to rambling, off-topic, generic, truncated, repetitive and empty ones", () => {
  const items = generateChatPrompts(1).train.slice(0, 10);
  const pairs = generateRmPairs(1, items);
  assert.equal(pairs.length, 80);
  const kinds = new Set(pairs.map((p) => p.rejected_kind));
  assert.deepEqual([...kinds].sort(), [
    "empty",
    "generic",
    "off-topic",
    "ramble",
    "repetitive",
    "truncated",
  ]);
  const per = (k: string) => pairs.filter((p) => p.rejected_kind === k).length;
  assert.deepEqual([per("ramble"), per("off-topic"), per("generic")], [20, 20, 10]);
  const pool = chatPromptPool();
  const answers = new Set<string>();
  for (const p of pairs) {
    assert.notEqual(p.chosen, p.rejected);
    assert.ok(!p.chosen.includes("\nQ:") && /[.]$/.test(p.chosen), p.chosen);
    if (p.rejected_kind === "ramble") assert.match(p.rejected, /\n\nQ: /);
    if (p.rejected_kind === "truncated") assert.ok(!/[.?!]$/.test(p.rejected), p.rejected);
    if (p.rejected_kind === "empty") assert.equal(p.rejected, "");
    // Short clean stops that are off topic or answer nothing: stopping alone does not win.
    if (p.rejected_kind === "off-topic" || p.rejected_kind === "generic") {
      assert.ok(!p.rejected.includes("\n\n") && /[.?!]$/.test(p.rejected), p.rejected);
      assert.ok(p.rejected.length < 400, p.rejected);
      const item = pool.find((x) => x.prompt === p.prompt[0].content)!;
      for (const x of item.topics) {
        if (p.rejected_kind === "off-topic") assert.ok(!p.rejected.includes(x.name), p.rejected);
      }
      answers.add(p.rejected);
    }
  }
  assert.ok(answers.size >= 25, `${answers.size} distinct clean rejected answers`);
});

Deno.test("RLVR problems of seed 1 are 2000 distinct questions, none a toy-math question", () => {
  const evalQ = new Set(toyMathEvalItems().map((p) => p.question));
  assert.equal(evalQ.size, 100);
  const rlvr = generateMathProblems(1, 2000, { exclude: evalQ });
  assert.equal(new Set(rlvr.map((p) => p.question)).size, 2000);
  assert.ok(rlvr.every((p) => !evalQ.has(p.question)));
  assert.ok(rlvr.every((p) => p.solution.endsWith(`So the answer is ${p.answer}.`)));
});

Deno.test("the 60 toy-code functions are distinct and other seeds' functions can leave them out", () => {
  const keys = new Set(toyCodeEvalItems().map(codeKey));
  assert.equal(keys.size, 60);
  const other = generateCodeItems(5, 200, { exclude: keys, repeats: true });
  assert.ok(other.every((c) => !keys.has(codeKey(c))));
});

Deno.test("writeToyWorld() writes every file of seed 1 with the sizes of its manifest, and loadPrompts() reads the RL prompt files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "toy_world_test_" });
  try {
    const m = await writeToyWorld(dir, 1);
    assert.deepEqual(m.files, {
      "corpus.jsonl": 426,
      "corpus_val.jsonl": 22,
      "prompts_train.jsonl": 420,
      "prompts_val.jsonl": 40,
      "rm_pairs_train.jsonl": 3360,
      "rm_pairs_val.jsonl": 320,
      "rlvr_math_train.jsonl": 2000,
    });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "manifest.json"))), m);
    for (const [name, n] of Object.entries(m.files)) {
      assert.equal((await readLines(join(dir, name))).length, n, name);
    }
    const corpus = await readLines(join(dir, "corpus.jsonl"));
    assert.ok(corpus.every((d) => Object.keys(d).join() === "text" && typeof d.text === "string"));

    const train = await loadPrompts(join(dir, "prompts_train.jsonl"));
    assert.equal(train.length, 420);
    assert.deepEqual(train[0].meta.extra_info, { split: "train", index: 0 });
    assert.deepEqual(
      [
        train[0].meta.data_source,
        train[0].meta.ability,
        train[0].meta.style,
        train[0].meta.ground_truth,
      ],
      ["toy/chat", "general", "model", ""],
    );
    const val = await loadPrompts(join(dir, "prompts_val.jsonl"));
    assert.equal(val.length, 40);
    const trainText = new Set(train.map((r) => r.messages[0].content));
    assert.ok(val.every((r) => !trainText.has(r.messages[0].content)));

    const rlvr = await loadPrompts(join(dir, "rlvr_math_train.jsonl"));
    assert.equal(rlvr.length, 2000);
    assert.deepEqual([rlvr[0].meta.data_source, rlvr[0].meta.ability, rlvr[0].meta.style], [
      "toy/math",
      "math",
      "rule",
    ]);
    assert.match(String(rlvr[0].meta.ground_truth), /^\d+$/);

    const pairsVal = await readLines(join(dir, "rm_pairs_val.jsonl"));
    const valText = new Set(val.map((r) => r.messages[0].content));
    assert.ok(pairsVal.every((p) => valText.has(p.prompt[0].content)));

    const corpusVal = await readLines(join(dir, "corpus_val.jsonl"));
    const corpusTrain = new Set(corpus.map((d) => d.text));
    assert.ok(corpusVal.every((d) => !corpusTrain.has(d.text)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
