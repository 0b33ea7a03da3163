/**
 * A run directory's identity, `OUT/run.json`: the model and the generation settings of a
 * generation run, or the samples file (path and sha256) of a re-grading run. Resuming into a
 * directory that holds another model, other settings or another samples file would mix two
 * measurements in one records file, so it is refused.
 *
 * @module
 */

import { join } from "node:path";
import { writeJsonAtomic } from "../util/atomic.ts";
import type { GenerationSettings } from "./generate.ts";

/** What a generation run's `run.json` records: the model and the generation settings. */
export interface RunIdentity {
  /** The model directory or endpoint, and its name. */
  model: { name: string; path: string | null; endpoint: string | null };
  /** Generation settings. */
  generation: GenerationSettings;
}

/** What a re-grading run's `run.json` records: the samples file. */
export interface SamplesIdentity {
  samples: { file: string; sha256: string };
}

const START_OVER = "use another --out directory to keep both, or delete it to start over";

async function readIdentity(out: string): Promise<Record<string, unknown> | null> {
  const path = join(out, "run.json");
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

async function write(out: string, identity: RunIdentity | SamplesIdentity): Promise<void> {
  await Deno.mkdir(out, { recursive: true });
  await writeJsonAtomic(join(out, "run.json"), identity);
}

/**
 * Writes `OUT/run.json`, or checks that an existing one describes the same generation run.
 *
 * @param out the output directory
 * @param identity the model and settings of this run
 * @throws when the directory holds records of another model, other settings or a samples file
 */
export async function checkRunIdentity(out: string, identity: RunIdentity): Promise<void> {
  const old = await readIdentity(out) as Partial<RunIdentity & SamplesIdentity> | null;
  if (old?.samples !== undefined) {
    throw new Error(`${out} holds samples graded from ${old.samples.file}; ${START_OVER}`);
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
        `${out} holds a run with other settings (${diffs.join(", ")}); ${START_OVER}`,
      );
    }
  }
  await write(out, identity);
}

/**
 * Writes `OUT/run.json` for re-grading a samples file, or checks that an existing one names
 * the same file content.
 *
 * @param out the output directory
 * @param identity the samples file and its sha256
 * @throws when the directory holds a generation run or another samples file
 */
export async function checkSamplesIdentity(out: string, identity: SamplesIdentity): Promise<void> {
  const old = await readIdentity(out) as Partial<RunIdentity & SamplesIdentity> | null;
  if (old !== null && old.samples === undefined) {
    throw new Error(`${out} holds generated records of ${old.model?.name}; ${START_OVER}`);
  }
  if (old?.samples !== undefined && old.samples.sha256 !== identity.samples.sha256) {
    throw new Error(
      `${out} holds grades of another samples file (${old.samples.file}, sha256 ` +
        `${old.samples.sha256.slice(0, 12)}...); ${START_OVER}`,
    );
  }
  await write(out, identity);
}
