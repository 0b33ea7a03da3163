/**
 * A run directory's identity, `OUT/run.json`: the model and the generation settings. A run
 * resumed with another model or other settings would mix two measurements in one file, so it
 * is refused.
 *
 * @module
 */

import { join } from "node:path";
import { writeJsonAtomic } from "../util/atomic.ts";
import type { GenerationSettings } from "./generate.ts";

/** What a run directory's `run.json` records: the model and the generation settings. */
export interface RunIdentity {
  /** The model directory or endpoint, and its name. */
  model: { name: string; path: string | null; endpoint: string | null };
  /** Generation settings. */
  generation: GenerationSettings;
}

/**
 * Writes `OUT/run.json`, or checks that an existing one describes the same run.
 *
 * @param out the output directory
 * @param identity the model and settings of this run
 * @throws when the directory holds records of another model or other settings
 */
export async function checkRunIdentity(out: string, identity: RunIdentity): Promise<void> {
  const path = join(out, "run.json");
  let old: RunIdentity | null = null;
  try {
    old = JSON.parse(await Deno.readTextFile(path)) as RunIdentity;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw new Error(`${path}: ${(e as Error).message}`);
  }
  if (old !== null) {
    const diffs: string[] = [];
    if (old.model?.name !== identity.model.name) {
      diffs.push(`model ${old.model?.name} -> ${identity.model.name}`);
    }
    for (const [k, v] of Object.entries(identity.generation)) {
      const was = (old.generation as unknown as Record<string, unknown>)?.[k];
      // Samples per task may change (records beyond n are ignored); the rest is what is measured.
      if (k !== "n" && was !== v) {
        diffs.push(`${k} ${JSON.stringify(was)} -> ${JSON.stringify(v)}`);
      }
    }
    if (diffs.length > 0) {
      throw new Error(
        `${out} holds a run with other settings (${diffs.join(", ")}); ` +
          `use another --out directory to keep both, or delete it to start over`,
      );
    }
  }
  await Deno.mkdir(out, { recursive: true });
  await writeJsonAtomic(path, identity);
}
