/**
 * Reading and validating the Hugging Face files a tokenizer is made of: `tokenizer.json`,
 * `tokenizer_config.json`, optional `chat_template.jinja`, and the eos/pad ids that
 * `generation_config.json` and `config.json` may add. Validation happens here, once; errors
 * name the file and the field.
 *
 * @module
 */

import { z } from "zod";
import { join } from "node:path";

/** The parsed contents of a model directory's tokenizer files. */
export interface TokenizerFiles {
  /** Parsed `tokenizer.json` (the `@huggingface/tokenizers` format). */
  tokenizerJson: unknown;
  /** Parsed `tokenizer_config.json`; `{}` when the model has none. */
  tokenizerConfig?: unknown;
  /** Parsed `generation_config.json`, when present. */
  generationConfig?: unknown;
  /** Parsed `config.json`, when present. */
  modelConfig?: unknown;
  /** Contents of `chat_template.jinja`, when present (newer HF layout). */
  chatTemplateFile?: string;
  /** Where the files came from, for error messages. @default "<in-memory>" */
  source?: string;
}

const addedTokenSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  content: z.string(),
  special: z.boolean().optional(),
});

/** The parts of `tokenizer.json` this module relies on (the rest goes to the library as is). */
export const tokenizerJsonSchema = z.looseObject({
  model: z.looseObject({ type: z.string().optional() }),
  added_tokens: z.array(addedTokenSchema),
  normalizer: z.unknown(),
  pre_tokenizer: z.unknown(),
  post_processor: z.unknown(),
  decoder: z.unknown(),
});

/** A special token in `tokenizer_config.json`: a string or an `AddedToken` dict with `content`. */
const specialTokenSchema = z.union([z.string(), z.looseObject({ content: z.string() })]).nullish();

const namedTemplateSchema = z.object({ name: z.string(), template: z.string() });

/** The parts of `tokenizer_config.json` this module reads. */
export const tokenizerConfigSchema = z.looseObject({
  bos_token: specialTokenSchema,
  eos_token: specialTokenSchema,
  pad_token: specialTokenSchema,
  unk_token: specialTokenSchema,
  chat_template: z.union([z.string(), z.array(namedTemplateSchema)]).nullish(),
  clean_up_tokenization_spaces: z.boolean().optional(),
});

const tokenIdsSchema = z.union([z.number().int(), z.array(z.number().int())]).nullish();

/** The eos/pad fields of `generation_config.json` and `config.json`. */
export const idsConfigSchema = z.looseObject({
  eos_token_id: tokenIdsSchema,
  pad_token_id: z.number().int().nullish(),
  bos_token_id: z.number().int().nullish(),
});

/**
 * Validates `value` against `schema`, throwing an error that names the file and each bad field.
 *
 * @param schema The zod schema.
 * @param value The parsed JSON.
 * @param file The file name shown in the error (`/models/x/tokenizer_config.json`).
 * @returns The validated value.
 */
export function validateFile<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    return `field "${field}": ${issue.message}`;
  });
  throw new Error(`${file}: invalid contents; ${problems.join("; ")}`);
}

/** The string of a special token given as a string or an `AddedToken` dict. */
export function specialTokenContent(
  token: z.infer<typeof specialTokenSchema>,
): string | null {
  if (token === null || token === undefined) return null;
  return typeof token === "string" ? token : token.content;
}

async function readJson(path: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && !required) return undefined;
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`${path}: file not found (a tokenizer directory needs tokenizer.json)`);
    }
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

async function readOptionalText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Reads a model directory's tokenizer files (only `tokenizer.json` is required).
 *
 * @param dir The model directory.
 * @returns The parsed files, with `source` set to `dir`.
 */
export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const [tokenizerJson, tokenizerConfig, generationConfig, modelConfig, chatTemplateFile] =
    await Promise.all([
      readJson(join(dir, "tokenizer.json"), true),
      readJson(join(dir, "tokenizer_config.json"), false),
      readJson(join(dir, "generation_config.json"), false),
      readJson(join(dir, "config.json"), false),
      readOptionalText(join(dir, "chat_template.jinja")),
    ]);
  return {
    tokenizerJson,
    tokenizerConfig,
    generationConfig,
    modelConfig,
    chatTemplateFile,
    source: dir,
  };
}
