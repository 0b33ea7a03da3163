/**
 * Tokenizers and chat templates for the kit's models: any Hugging Face `tokenizer.json` +
 * `tokenizer_config.json` (run by `@huggingface/tokenizers`, templates by
 * `@huggingface/jinja`), incremental decoding for sampling, the real Qwen3 tokenizer shipped
 * in npm, and the byte-level tokenizer of tiny models.
 *
 * @module
 */

export {
  type AddedTokenInfo,
  createTokenizer,
  type DecodeOptions,
  type EncodeOptions,
  loadTokenizer,
  Tokenizer,
} from "./tokenizer.ts";
export type { TokenizerFiles } from "./_files.ts";
export {
  type ChatMessage,
  ChatTemplate,
  type ChatTemplateOptions,
  selectChatTemplate,
  type TemplateSpecialTokens,
} from "./chat_template.ts";
export { DecodeStream } from "./decode_stream.ts";
export {
  BYTE_LEVEL_ADDED_TOKENS,
  BYTE_LEVEL_VOCAB_SIZE,
  type ByteLevelTokenizerFiles,
  byteLevelTokenizerFiles,
  bytesToUnicode,
  writeByteLevelTokenizer,
} from "./byte_level.ts";
export { qwen3TokenizerDir } from "./qwen3.ts";
export { QWEN3_CHAT_TEMPLATE } from "./qwen3_chat_template.ts";
