import { deepStrictEqual, notStrictEqual, strictEqual } from "node:assert/strict";
import { join } from "node:path";
import { byteLevel, ROUND_TRIP_TEXTS } from "./_fixtures.ts";
import {
  BYTE_LEVEL_VOCAB_SIZE,
  bytesToUnicode,
  loadTokenizer,
  QWEN3_CHAT_TEMPLATE,
  qwen3TokenizerDir,
  writeByteLevelTokenizer,
} from "../../lib/tokenizer/mod.ts";

const tok = byteLevel();
const utf8 = (s: string) => [...new TextEncoder().encode(s)];

/** A deterministic random string of valid code points from all planes (no surrogates). */
function randomText(seed: number, length: number): string {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const ranges = [[0x20, 0x7e], [0x00, 0x1f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xfffd], [
    0x10000,
    0x10ffff,
  ]];
  let text = "";
  for (let i = 0; i < length; i++) {
    const [lo, hi] = ranges[Math.floor(next() * ranges.length)];
    text += String.fromCodePoint(lo + Math.floor(next() * (hi - lo + 1)));
  }
  return text;
}

Deno.test("writeByteLevelTokenizer() writes files that loadTokenizer() reads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeByteLevelTokenizer(join(dir, "model"));
    await writeByteLevelTokenizer(join(dir, "model")); // overwriting is fine
    deepStrictEqual(
      (await Array.fromAsync(Deno.readDir(join(dir, "model")))).map((e) => e.name)
        .sort(),
      ["tokenizer.json", "tokenizer_config.json"],
    ); // no temp files left behind
    const loaded = await loadTokenizer(join(dir, "model"));
    strictEqual(loaded.vocabSize, BYTE_LEVEL_VOCAB_SIZE);
    deepStrictEqual(loaded.encode("hé 🦜<|im_end|>"), [...utf8("hé 🦜"), 258]);
    deepStrictEqual(loaded.eosTokenIds, [258]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("byte-level tokenizer has 256 byte ids then the ChatML special tokens", () => {
  strictEqual(BYTE_LEVEL_VOCAB_SIZE, 261);
  strictEqual(tok.vocabSize, 261);
  const expected: [string, number][] = [
    ["<|endoftext|>", 256],
    ["<|im_start|>", 257],
    ["<|im_end|>", 258],
    ["<think>", 259],
    ["</think>", 260],
  ];
  for (const [token, id] of expected) {
    deepStrictEqual(tok.encode(token), [id], token);
    strictEqual(tok.idToToken(id), token);
  }
  deepStrictEqual(tok.eosTokenIds, [258]);
  strictEqual(tok.padTokenId, 256);
  strictEqual(tok.bosTokenId, null);
  for (let id = 0; id < BYTE_LEVEL_VOCAB_SIZE; id++) {
    strictEqual(tok.tokenToId(tok.idToToken(id)!), id);
  }
  strictEqual(tok.idToToken(32), "Ġ"); // GPT-2's alphabet: space is Ġ
  strictEqual(tok.idToToken(97), "a");
});

Deno.test("byte-level encode() gives the UTF-8 bytes and decode() round-trips", () => {
  for (const [name, text] of Object.entries(ROUND_TRIP_TEXTS)) {
    deepStrictEqual(tok.encode(text), utf8(text), name);
    strictEqual(tok.decode(tok.encode(text)), text, name);
  }
  for (let seed = 1; seed <= 20; seed++) {
    const text = randomText(seed, 200);
    deepStrictEqual(tok.encode(text), utf8(text), `seed ${seed}`);
    strictEqual(tok.decode(tok.encode(text)), text, `seed ${seed}`);
  }
});

Deno.test("byte-level tokenizer keeps text byte-exact (no NFC normalization)", () => {
  const decomposed = "e\u0301";
  deepStrictEqual(tok.encode(decomposed), [0x65, 0xcc, 0x81]);
  strictEqual(tok.decode(tok.encode(decomposed)), decomposed);
  notStrictEqual(tok.decode(tok.encode(decomposed)), "é");
});

Deno.test("byte-level decode() of arbitrary bytes matches a replacing UTF-8 decoder", () => {
  const all = Array.from({ length: 256 }, (_, b) => b);
  strictEqual(tok.decode(all), new TextDecoder().decode(new Uint8Array(all)));
  strictEqual(tok.decode([0xf0, 0x9f]), "\uFFFD");
});

Deno.test("byte-level skipSpecialTokens drops ChatML tokens but keeps think tags", () => {
  const ids = tok.encode("<|im_start|>assistant\n<think>\n</think>ok<|im_end|><|endoftext|>");
  strictEqual(tok.decode(ids, { skipSpecialTokens: true }), "assistant\n<think>\n</think>ok");
});

Deno.test("bytesToUnicode() is GPT-2's byte alphabet: 256 distinct printable characters", () => {
  const chars = bytesToUnicode();
  strictEqual(new Set(chars).size, 256);
  deepStrictEqual([chars[0x20], chars[0x0a], chars[0x41], chars[0xad]], ["Ġ", "Ċ", "A", "Ń"]);
});

Deno.test("the byte-level chat template is Qwen3's, verbatim", async () => {
  const qwen = JSON.parse(await Deno.readTextFile(`${qwen3TokenizerDir()}/tokenizer_config.json`));
  strictEqual(QWEN3_CHAT_TEMPLATE, qwen.chat_template);
  strictEqual(tok.chatTemplate?.source, qwen.chat_template);
});
