import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { byteLevel, qwen3, ROUND_TRIP_TEXTS } from "./_fixtures.ts";
import { DecodeStream, type Tokenizer } from "../../lib/tokenizer/mod.ts";

const tokenizers: [string, Tokenizer][] = [["Qwen3", await qwen3()], ["byte-level", byteLevel()]];

for (const [name, tok] of tokenizers) {
  Deno.test(`DecodeStream over ${name}: emitted text equals decode() at every prefix`, () => {
    let heldBack = 0;
    for (const [textName, text] of Object.entries(ROUND_TRIP_TEXTS)) {
      const ids = tok.encode(text);
      const stream = new DecodeStream(tok);
      let emitted = "";
      for (let k = 1; k <= ids.length; k++) {
        emitted += stream.step(ids[k - 1]);
        const full = tok.decode(ids.slice(0, k));
        // Everything emitted is final, and only an incomplete trailing character is held back.
        strictEqual(full.startsWith(emitted), true, `${textName} @${k}`);
        strictEqual(emitted.includes("\uFFFD"), false, `${textName} @${k}`);
        if (!full.endsWith("\uFFFD")) strictEqual(emitted, full, `${textName} @${k}`);
        else heldBack++;
      }
      strictEqual(emitted + stream.flush(), text, textName);
    }
    // The texts do split characters across tokens, so the hold-back path is exercised.
    strictEqual(heldBack > 0, true);
  });

  Deno.test(`DecodeStream over ${name}: step() pieces then flush() equal decode() of each prefix`, () => {
    const ids = tok.encode(ROUND_TRIP_TEXTS.emoji + ROUND_TRIP_TEXTS.chinese);
    for (let k = 0; k <= ids.length; k++) {
      const stream = new DecodeStream(tok);
      const text = ids.slice(0, k).map((id) => stream.step(id)).join("") + stream.flush();
      strictEqual(text, tok.decode(ids.slice(0, k)), `prefix ${k}`);
    }
  });
}

Deno.test("DecodeStream holds a split multi-byte character until its last byte", () => {
  const stream = new DecodeStream(byteLevel());
  deepStrictEqual([0x61, 0xf0, 0x9f, 0xa6, 0x9c, 0x62].map((id) => stream.step(id)), [
    "a",
    "",
    "",
    "",
    "🦜",
    "b",
  ]);
  strictEqual(stream.flush(), "");
});

Deno.test("DecodeStream.flush() returns an incomplete tail as U+FFFD and starts afresh", () => {
  const stream = new DecodeStream(byteLevel());
  deepStrictEqual([0x61, 0xf0, 0x9f].map((id) => stream.step(id)), ["a", "", ""]);
  strictEqual(stream.flush(), "\uFFFD");
  strictEqual(stream.step(0x63), "c");
});

Deno.test("DecodeStream with skipSpecialTokens streams only the visible text", async () => {
  const tok = await qwen3();
  const ids = tok.encode("<|im_start|>assistant\nHi 👋<|im_end|><|endoftext|>");
  const stream = new DecodeStream(tok, { skipSpecialTokens: true });
  const text = ids.map((id) => stream.step(id)).join("") + stream.flush();
  strictEqual(text, "assistant\nHi 👋");
});
