/**
 * A tiny random model directory: HF config, safetensors and the byte-level tokenizer, made
 * once and reused when the config is the same (the toy profile and the tests use it).
 *
 * @module
 */

import { join } from "node:path";
import type { ModelConfig } from "./config.ts";
import { readModelConfig, toHfConfigJson } from "./config_io.ts";
import { createTinyModel } from "./tiny.ts";
import { writeByteLevelTokenizer } from "../tokenizer/mod.ts";
import { replaceDirAtomic } from "../util/atomic.ts";
import { pathExists } from "../util/fs.ts";

/**
 * Writes a tiny random model with the byte-level tokenizer into `dir`, or reuses the one there
 * when its config is the same.
 *
 * @param dir the model directory
 * @param config the config
 * @param seed the init seed
 * @param log progress lines
 * @returns whether it was created (false: reused)
 * @throws when `dir` holds a different model
 */
export async function ensureTinyModel(
  dir: string,
  config: ModelConfig,
  seed: number,
  log: (line: string) => void,
): Promise<boolean> {
  const marker = join(dir, "tokenizer.json");
  if (await pathExists(join(dir, "config.json")) && await pathExists(marker)) {
    const have = toHfConfigJson(await readModelConfig(dir));
    const want = toHfConfigJson(config);
    if (JSON.stringify(have) !== JSON.stringify(want)) {
      throw new Error(
        `${dir} holds a different model than this profile makes; remove it or pass another --out`,
      );
    }
    log(`reusing ${dir}`);
    return false;
  }
  await replaceDirAtomic(dir, async (tmp) => {
    // Norm weights and a wider init than HF's 0.02 make the random model's outputs depend on
    // the input, so scores and samples differ between prompts.
    await createTinyModel(tmp, config, { seed, std: 0.1, normStd: 0.1 });
    await writeByteLevelTokenizer(tmp);
  });
  log(`created ${dir} (${config.architecture}, seed ${seed})`);
  return true;
}
