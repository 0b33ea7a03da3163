/**
 * Chat templates: the Jinja program in a model's `tokenizer_config.json` (or
 * `chat_template.jinja`) that turns a list of messages into the prompt string, rendered with
 * `@huggingface/jinja` and the same variables `transformers`' `apply_chat_template` passes.
 *
 * @module
 */

import { Template } from "@huggingface/jinja";

/** One chat turn, as chat templates expect it. */
export interface ChatMessage {
  /** `system`, `user`, `assistant` (or `tool` for templates that support tools). */
  role: string;
  /** The turn's text. */
  content: string;
  /** An assistant turn's reasoning, rendered inside `<think>` by templates that support it. */
  reasoning_content?: string;
  /** An assistant turn's tool calls (`{name, arguments}` or `{function: {name, arguments}}`). */
  tool_calls?: unknown[];
}

/** Options for {@link ChatTemplate.render}. */
export interface ChatTemplateOptions {
  /**
   * Append the opening of an assistant turn (`<|im_start|>assistant\n` for ChatML), as for
   * sampling a reply. Same default as `transformers`.
   * @default false
   */
  addGenerationPrompt?: boolean;
  /**
   * Qwen3's `enable_thinking`: `false` makes the template emit an empty `<think>` block after
   * the generation prompt. Left out, the variable is undefined and the template's own default
   * applies (thinking on).
   */
  enableThinking?: boolean;
  /** Tool definitions (JSON schemas), passed as `tools`. */
  tools?: unknown[];
  /** Further template variables (e.g. `documents`, `reasoning_effort`). */
  extra?: Record<string, unknown>;
}

/** Special token strings every template may use. */
export interface TemplateSpecialTokens {
  bos_token: string | null;
  eos_token: string | null;
  pad_token: string | null;
  unk_token: string | null;
}

/** A parsed chat template bound to its tokenizer's special tokens. */
export class ChatTemplate {
  /** The Jinja source. */
  readonly source: string;
  readonly #specialTokens: TemplateSpecialTokens;
  readonly #origin: string;
  #parsed: Template | null = null;

  /**
   * @param source The Jinja source.
   * @param specialTokens The tokenizer's special token strings, passed as template variables.
   * @param origin Where the template came from, for error messages.
   */
  constructor(source: string, specialTokens: TemplateSpecialTokens, origin: string) {
    this.source = source;
    this.#specialTokens = specialTokens;
    this.#origin = origin;
  }

  /**
   * Renders `messages` to the prompt string (special tokens included as text; encode it with
   * `addSpecialTokens: false`).
   *
   * @param messages The conversation.
   * @param options Generation prompt, thinking switch, tools, extra variables.
   * @returns The rendered prompt.
   */
  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (messages.length === 0) throw new Error("applyChatTemplate(): messages is empty");
    messages.forEach((message, i) => {
      if (typeof message.role !== "string" || typeof message.content !== "string") {
        throw new Error(
          `applyChatTemplate(): messages[${i}] needs string "role" and "content", got ${
            JSON.stringify(message)
          }`,
        );
      }
    });
    const variables: Record<string, unknown> = {
      ...this.#specialTokens,
      ...options.extra,
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    };
    if (options.enableThinking !== undefined) variables.enable_thinking = options.enableThinking;
    if (options.tools !== undefined) variables.tools = options.tools;
    try {
      return this.#template().render(variables);
    } catch (error) {
      throw new Error(`chat template of ${this.#origin}: ${(error as Error).message}`);
    }
  }

  #template(): Template {
    if (this.#parsed === null) {
      try {
        this.#parsed = new Template(this.source);
      } catch (error) {
        throw new Error(
          `chat template of ${this.#origin} does not parse: ${(error as Error).message}`,
        );
      }
    }
    return this.#parsed;
  }
}

/**
 * Picks the chat template source the way `transformers` does: `chat_template.jinja` wins over
 * `tokenizer_config.json`'s `chat_template`, which is a string or a list of named templates
 * (the one named `default` is used).
 *
 * @param configTemplate `tokenizer_config.json`'s `chat_template` field.
 * @param templateFile Contents of `chat_template.jinja`, if any.
 * @returns The Jinja source, or null when the model has no chat template.
 */
export function selectChatTemplate(
  configTemplate: string | { name: string; template: string }[] | null | undefined,
  templateFile: string | undefined,
): string | null {
  if (templateFile !== undefined) return templateFile;
  if (configTemplate === null || configTemplate === undefined) return null;
  if (typeof configTemplate === "string") return configTemplate;
  return configTemplate.find((t) => t.name === "default")?.template ?? null;
}
