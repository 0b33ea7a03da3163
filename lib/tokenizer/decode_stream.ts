/**
 * Incremental detokenization for sampling: feed one token id at a time, get the new text.
 *
 * A character whose UTF-8 bytes are split across tokens (emoji, most CJK in byte-level BPE)
 * is held back until its last byte arrives, so the emitted pieces never contain a spurious
 * U+FFFD and their concatenation is always a prefix of the full decode; stop strings can be
 * matched on it directly. The algorithm is the one of `tokenizers`' Rust `DecodeStream`: each
 * step decodes a short window (the tokens since the previous piece plus one piece of context)
 * and emits what was appended, so a step costs O(window), not O(sequence).
 *
 * @module
 */

import type { DecodeOptions, Tokenizer } from "./tokenizer.ts";

/** Streams text out of a growing sequence of token ids. */
export class DecodeStream {
  readonly #tokenizer: Tokenizer;
  readonly #options: DecodeOptions;
  /** Context tokens followed by the tokens not yet emitted. */
  #ids: number[] = [];
  /** The decode of the context tokens `#ids.slice(0, #prefixIndex)`. */
  #prefix = "";
  #prefixIndex = 0;

  /**
   * @param tokenizer The tokenizer that produced the ids.
   * @param options `skipSpecialTokens` drops special tokens from the text. @default false
   *
   * @example
   * ```ts
   * import { strictEqual } from "node:assert";
   * import { DecodeStream, loadTokenizer, qwen3TokenizerDir } from "./mod.ts";
   * const tok = await loadTokenizer(qwen3TokenizerDir());
   * const stream = new DecodeStream(tok);
   * const text = tok.encode("ok 🦜").map((id) => stream.step(id)).join("") + stream.flush();
   * strictEqual(text, "ok 🦜");
   * ```
   */
  constructor(tokenizer: Tokenizer, options: DecodeOptions = {}) {
    this.#tokenizer = tokenizer;
    this.#options = options;
  }

  /**
   * Adds one token id.
   *
   * @param id The next token id.
   * @returns The text this token completes ("" while a multi-byte character is incomplete).
   */
  step(id: number): string {
    this.#ids.push(id);
    const text = this.#tokenizer.decode(this.#ids, this.#options);
    if (text.length <= this.#prefix.length || text.endsWith("\uFFFD")) return "";
    return this.#emit(text);
  }

  /**
   * Ends the stream: returns the text held back (an incomplete trailing character decodes as
   * U+FFFD) and resets to a fresh stream.
   *
   * @returns The remaining text ("" when nothing was held back).
   */
  flush(): string {
    const text = this.#tokenizer.decode(this.#ids, this.#options);
    const rest = text.length > this.#prefix.length ? this.#emit(text) : "";
    this.#ids = [];
    this.#prefix = "";
    this.#prefixIndex = 0;
    return rest;
  }

  #emit(text: string): string {
    if (!text.startsWith(this.#prefix)) {
      throw new Error(
        `DecodeStream: decoding changed already emitted text ${JSON.stringify(this.#prefix)} ` +
          `into ${JSON.stringify(text)} (the tokenizer's decoder is not incremental)`,
      );
    }
    const piece = text.slice(this.#prefix.length);
    const nextPrefixIndex = this.#ids.length - this.#prefixIndex;
    this.#ids = this.#ids.slice(this.#prefixIndex);
    this.#prefix = this.#tokenizer.decode(this.#ids, this.#options);
    this.#prefixIndex = nextPrefixIndex;
    return piece;
  }
}
