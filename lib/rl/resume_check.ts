/**
 * What may change when a run resumes. A run directory holds the config it was started with
 * (`OUT/config.json`); resuming with a config that changes what the finished steps computed
 * (the model, the data, the algorithm, the optimizer) would splice two experiments into one
 * curve, so it is refused, naming the keys. Bookkeeping keys may change, as in verl: how long
 * to train (extending a run), how often to save, validate and log, how many checkpoints to
 * keep, names, and threads. A key that an older run directory does not have yet counts as
 * unchanged when the new config holds its default.
 *
 * @module
 */

import { canonicalJson } from "./config.ts";
import { flattenDelta, getPath, isPlainObject } from "./config_paths.ts";
import { TRAINER_DEFAULTS, type TrainerConfig } from "./config_schema.ts";

/** Keys that may differ between a run's config and the one it is resumed with. */
export const RESUME_FREE_KEYS: readonly string[] = [
  "trainer.total_training_steps",
  "trainer.total_epochs",
  "trainer.save_freq",
  "trainer.test_freq",
  "trainer.val_before_train",
  "trainer.log_val_generations",
  "trainer.max_actor_ckpt_to_keep",
  "trainer.max_critic_ckpt_to_keep",
  "trainer.project_name",
  "trainer.experiment_name",
  "trainer.logger",
  "trainer.resume_mode",
  "trainer.resume_from_path",
  "trainer.default_local_dir",
  "kit.threads",
  "kit.samples_per_step",
  "kit.val_prompts",
  "kit.max_logprob_drift",
];

/** One key whose value differs between two configs. */
export interface ConfigDifference {
  key: string;
  before: unknown;
  after: unknown;
}

const free = (key: string) => RESUME_FREE_KEYS.some((k) => key === k || key.startsWith(`${k}.`));

/** {@link resumeDifferences}' result, split by whether a resume may go on with them. */
export interface ResumeDifferences {
  /** Keys of the experiment: any of them refuses the resume. */
  refused: ConfigDifference[];
  /** {@link RESUME_FREE_KEYS} that differ (the resume logs them). */
  bookkeeping: ConfigDifference[];
}

/**
 * The keys whose values differ between the config a run was started with and the one it is
 * resumed with, in one pass, split into those that refuse the resume and bookkeeping.
 *
 * @param before the run directory's config (as read from `config.json`)
 * @param after the config of this call
 * @returns both lists, sorted by key (`refused` empty: the resume may go on)
 */
export function resumeDifferences(before: unknown, after: TrainerConfig): ResumeDifferences {
  const leaves = (cfg: unknown) =>
    new Map(
      isPlainObject(cfg) ? flattenDelta(cfg).map(([p, v]) => [p.join("."), v] as const) : [],
    );
  const a = leaves(before), b = leaves(after);
  const out: ResumeDifferences = { refused: [], bookkeeping: [] };
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const path = key.split(".");
    const old = a.has(key) ? a.get(key) : getPath(TRAINER_DEFAULTS, path); // older run dirs
    const now = b.has(key) ? b.get(key) : getPath(TRAINER_DEFAULTS, path);
    if (canonicalJson(old) === canonicalJson(now)) continue;
    (free(key) ? out.bookkeeping : out.refused).push({ key, before: old, after: now });
  }
  return out;
}

/**
 * The refusal for a resume whose config changed, naming the first keys with both values.
 *
 * @param root the run directory
 * @param diffs the `refused` part of {@link resumeDifferences}' result (non-empty)
 * @returns the message
 */
export function resumeRefusal(root: string, diffs: readonly ConfigDifference[]): string {
  const shown = diffs.slice(0, 5).map((d) =>
    `${d.key}: ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)}`
  );
  const more = diffs.length > 5 ? ` (and ${diffs.length - 5} more)` : "";
  return `${root} holds a run with a different config: ${shown.join("; ")}${more}. ` +
    `Resume with the same config (only ${RESUME_FREE_KEYS.length} bookkeeping keys such as ` +
    `trainer.total_training_steps may change), pass another --out, or set ` +
    `trainer.resume_mode=disable`;
}
