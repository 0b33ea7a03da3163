import { deepStrictEqual, throws } from "node:assert/strict";
import { byteLevel, qwen3 } from "./_fixtures.ts";
import {
  type ChatMessage,
  createTokenizer,
  selectChatTemplate,
  type Tokenizer,
} from "../../lib/tokenizer/mod.ts";
import { byteLevelTokenizerFiles } from "../../lib/tokenizer/byte_level.ts";

const qwen = await qwen3();
const bytes = byteLevel();

const user = (content: string): ChatMessage => ({ role: "user", content });

/** [name, messages, options, expected rendering] shared by Qwen3 and the byte-level tokenizer. */
const CASES: [string, ChatMessage[], Parameters<Tokenizer["applyChatTemplate"]>[1], string][] = [
  [
    "single turn with generation prompt",
    [user("What is 2+2?")],
    { addGenerationPrompt: true },
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
  ],
  [
    "enableThinking=false adds the empty think block",
    [user("What is 2+2?")],
    { addGenerationPrompt: true, enableThinking: false },
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
  ],
  [
    "enableThinking=true is the template default",
    [user("Hi")],
    { addGenerationPrompt: true, enableThinking: true },
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  ],
  [
    "system message first",
    [{ role: "system", content: "You are terse." }, user("Hi")],
    { addGenerationPrompt: true },
    "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n" +
    "<|im_start|>assistant\n",
  ],
  [
    "multi-turn drops the reasoning of earlier assistant turns",
    [
      user("Q1"),
      { role: "assistant", content: "<think>\nLet me add.\n</think>\n\nFour." },
      user("Q2"),
    ],
    { addGenerationPrompt: true },
    "<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nFour.<|im_end|>\n" +
    "<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n",
  ],
  [
    "a final assistant turn gets a think block and no generation prompt by default",
    [user("Q"), { role: "assistant", content: "A" }],
    {},
    "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nA<|im_end|>\n",
  ],
  [
    "reasoning_content of the final assistant turn goes inside <think>",
    [user("Q"), { role: "assistant", content: "A", reasoning_content: "\nwhy\n" }],
    {},
    "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\nwhy\n</think>\n\nA<|im_end|>\n",
  ],
];

for (const [name, messages, options, expected] of CASES) {
  Deno.test(`applyChatTemplate() renders Qwen3 ChatML: ${name}`, () => {
    deepStrictEqual(qwen.applyChatTemplate(messages, options), expected);
  });
  Deno.test(`applyChatTemplate() of the byte-level tokenizer renders the same: ${name}`, () => {
    deepStrictEqual(bytes.applyChatTemplate(messages, options), expected);
  });
}

Deno.test("applyChatTemplate() passes tools to the Qwen3 template as Python-style JSON", () => {
  const tools = [{ type: "function", function: { name: "add", parameters: { a: [1, 2] } } }];
  const text = qwen.applyChatTemplate([user("Q")], { tools, addGenerationPrompt: true });
  deepStrictEqual(text.startsWith("<|im_start|>system\n# Tools\n"), true);
  deepStrictEqual(
    text.includes(
      '<tools>\n{"type": "function", "function": {"name": "add", "parameters": {"a": [1, 2]}}}\n' +
        "</tools>",
    ),
    true,
  );
  deepStrictEqual(text.endsWith("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n"), true);
});

Deno.test("a rendered Qwen3 prompt encodes its special tokens as single ids", () => {
  const prompt = qwen.applyChatTemplate([user("Hello world")], { addGenerationPrompt: true });
  deepStrictEqual(qwen.encode(prompt, { addSpecialTokens: false }), [
    151644,
    872,
    198,
    9707,
    1879,
    151645,
    198,
    151644,
    77091,
    198,
  ]);
});

Deno.test("a rendered byte-level prompt is UTF-8 bytes with single-id special tokens", () => {
  const prompt = bytes.applyChatTemplate([user("hé")], {
    addGenerationPrompt: true,
    enableThinking: false,
  });
  const b = (s: string) => [...new TextEncoder().encode(s)];
  deepStrictEqual(bytes.encode(prompt, { addSpecialTokens: false }), [
    257,
    ...b("user\nhé"),
    258,
    ...b("\n"),
    257,
    ...b("assistant\n"),
    259,
    ...b("\n\n"),
    260,
    ...b("\n\n"),
  ]);
});

Deno.test("applyChatTemplate() rejects empty conversations and malformed messages", () => {
  throws(() => qwen.applyChatTemplate([]), /messages is empty/);
  throws(
    () => qwen.applyChatTemplate([{ role: "user" } as ChatMessage]),
    /messages\[0\] needs string "role" and "content"/,
  );
});

Deno.test("applyChatTemplate() without a chat template names the model and completionPrompt()", () => {
  const { tokenizerJson, tokenizerConfig } = byteLevelTokenizerFiles();
  const tok = createTokenizer({
    tokenizerJson,
    tokenizerConfig: { ...tokenizerConfig, chat_template: null },
    source: "/models/base",
  });
  deepStrictEqual(tok.chatTemplate, null);
  throws(
    () => tok.applyChatTemplate([user("x")]),
    /\/models\/base has no chat template.*completionPrompt/,
  );
});

Deno.test("completionPrompt() is the plain text, after the BOS token when there is one", () => {
  deepStrictEqual(qwen.completionPrompt("Question: 1+1=?\nAnswer:"), "Question: 1+1=?\nAnswer:");
  const { tokenizerJson, tokenizerConfig } = byteLevelTokenizerFiles();
  const withBos = createTokenizer({
    tokenizerJson,
    tokenizerConfig: { ...tokenizerConfig, bos_token: "<|endoftext|>" },
  });
  deepStrictEqual(withBos.bosTokenId, 256);
  deepStrictEqual(withBos.completionPrompt("ab"), "<|endoftext|>ab");
  deepStrictEqual(withBos.encode(withBos.completionPrompt("ab"), { addSpecialTokens: false }), [
    256,
    97,
    98,
  ]);
});

Deno.test("selectChatTemplate() prefers chat_template.jinja, then the 'default' named template", () => {
  const named = [{ name: "tool_use", template: "T" }, { name: "default", template: "D" }];
  deepStrictEqual(selectChatTemplate("S", "F"), "F");
  deepStrictEqual(selectChatTemplate("S", undefined), "S");
  deepStrictEqual(selectChatTemplate(named, undefined), "D");
  deepStrictEqual(selectChatTemplate([{ name: "tool_use", template: "T" }], undefined), null);
  deepStrictEqual(selectChatTemplate(null, undefined), null);
});

Deno.test("applyChatTemplate() passes bos/eos tokens and extra variables to the template", () => {
  const { tokenizerJson, tokenizerConfig } = byteLevelTokenizerFiles();
  const tok = createTokenizer({
    tokenizerJson,
    tokenizerConfig,
    chatTemplateFile:
      "{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{% for m in messages %}{{ m.role }}:{{ m.content }}{% endfor %}|{{ flavor }}",
  });
  deepStrictEqual(
    tok.applyChatTemplate([user("x")], { extra: { flavor: "mint" } }),
    "|<|im_end|>|<|endoftext|>|user:x|mint",
  );
});
