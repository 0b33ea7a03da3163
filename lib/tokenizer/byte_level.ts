/**
 * The byte-level tokenizer of the kit's tiny models: one token per byte (id = byte value,
 * 0-255) plus the ChatML special tokens, written as standard Hugging Face `tokenizer.json` +
 * `tokenizer_config.json` so that {@link loadTokenizer}, `transformers` and vLLM read it like
 * any real model's tokenizer.
 *
 * Format: a BPE model with no merges over GPT-2's byte-to-unicode alphabet, a ByteLevel
 * pre-tokenizer and decoder, no normalizer (so any UTF-8 text round-trips byte for byte),
 * Qwen3's ChatML chat template, eos `<|im_end|>`, pad `<|endoftext|>`.
 *
 * @module
 */

import { join } from "node:path";
import { QWEN3_CHAT_TEMPLATE } from "./qwen3_chat_template.ts";

/** The special tokens after the 256 byte tokens, in id order from 256. */
export const BYTE_LEVEL_ADDED_TOKENS: readonly { content: string; special: boolean }[] = [
  { content: "<|endoftext|>", special: true }, // 256, pad
  { content: "<|im_start|>", special: true }, // 257
  { content: "<|im_end|>", special: true }, // 258, eos
  // Not special, as in Qwen3: thinking blocks survive skipSpecialTokens.
  { content: "<think>", special: false }, // 259
  { content: "</think>", special: false }, // 260
];

/** Number of token ids of the byte-level tokenizer: 256 bytes + 5 added tokens = 261. */
export const BYTE_LEVEL_VOCAB_SIZE: number = 256 + BYTE_LEVEL_ADDED_TOKENS.length;

/**
 * GPT-2's reversible map from bytes to printable unicode characters, the alphabet of
 * byte-level BPE vocabularies (`Ġ` is the space byte 0x20).
 *
 * @returns `chars[b]` is the vocabulary character of byte `b`.
 */
export function bytesToUnicode(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const chars: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) chars.push(String.fromCharCode(printable(b) ? b : next++));
  return chars;
}

/** The two files of the byte-level tokenizer, as JSON values. */
export interface ByteLevelTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/**
 * Builds the byte-level tokenizer's `tokenizer.json` and `tokenizer_config.json` contents.
 *
 * @param options `modelMaxLength` for `tokenizer_config.json`. @default 32768
 * @returns Both files as JSON values (pass them to `createTokenizer()` to skip the disk).
 */
export function byteLevelTokenizerFiles(
  options: { modelMaxLength?: number } = {},
): ByteLevelTokenizerFiles {
  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((char, byte) => vocab[char] = byte);
  const added = BYTE_LEVEL_ADDED_TOKENS.map((t, i) => ({
    id: 256 + i,
    content: t.content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: t.special,
  }));
  const byteLevel = { add_prefix_space: false, trim_offsets: false, use_regex: true };
  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", ...byteLevel },
    post_processor: { type: "ByteLevel", ...byteLevel },
    decoder: { type: "ByteLevel", ...byteLevel },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
  const addedTokensDecoder = Object.fromEntries(
    added.map(({ id, ...rest }) => [String(id), rest]),
  );
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: addedTokensDecoder,
    additional_special_tokens: ["<|im_start|>", "<|im_end|>"],
    bos_token: null,
    chat_template: QWEN3_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: "<|im_end|>",
    errors: "replace",
    model_max_length: options.modelMaxLength ?? 32768,
    pad_token: "<|endoftext|>",
    split_special_tokens: false,
    tokenizer_class: "PreTrainedTokenizerFast",
    unk_token: null,
  };
  return { tokenizerJson, tokenizerConfig };
}

async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/**
 * Writes the byte-level tokenizer's `tokenizer.json` and `tokenizer_config.json` into `dir`
 * (created if missing), each atomically (temp file + rename). Other files are left alone.
 *
 * @param dir The model directory.
 * @param options `modelMaxLength` for `tokenizer_config.json`. @default 32768
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { loadTokenizer, writeByteLevelTokenizer } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await writeByteLevelTokenizer(dir);
 * const tok = await loadTokenizer(dir);
 * deepStrictEqual(tok.encode("hi"), [104, 105]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeByteLevelTokenizer(
  dir: string,
  options: { modelMaxLength?: number } = {},
): Promise<void> {
  const { tokenizerJson, tokenizerConfig } = byteLevelTokenizerFiles(options);
  await Deno.mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson, null, 2) + "\n");
  await writeFileAtomic(
    join(dir, "tokenizer_config.json"),
    JSON.stringify(tokenizerConfig, null, 2) + "\n",
  );
}
