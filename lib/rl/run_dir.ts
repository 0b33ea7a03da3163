/**
 * A training run directory (DESIGN.md "Run directories"): the contract between the trainer
 * and everything that reads runs (notebooks, `deno task figures`, the verl bridge).
 *
 * ```
 * OUT/config.json             the resolved config (verl keys) and its hash
 * OUT/plan.txt                the printed plan
 * OUT/metrics.jsonl           one line per step, verl's metric names
 * OUT/samples/step-N.jsonl    prompt, response, reward terms, logprob, advantage per sample
 * OUT/checkpoints/step-N/     policy/, critic/ (HF directories + optimizer), trainer_state.json
 * OUT/checkpoints/latest      the name of the last complete checkpoint ("step-N")
 * OUT/nan/step-N/             the batch that produced a non-finite loss or gradient norm
 * ```
 *
 * `trainer.max_actor_ckpt_to_keep` / `max_critic_ckpt_to_keep` (null = all) bound how many
 * step directories keep their policy/ and critic/; older ones are pruned after each save.
 *
 * Every file is written atomically; `metrics.jsonl` is appended line by line and, on resume,
 * cut back to the steps the checkpoint covers.
 *
 * @module
 */

import { join } from "node:path";
import { writeJsonAtomic, writeTextFileAtomic } from "../util/atomic.ts";
import { pathExists } from "../util/fs.ts";

/** Paths of a run directory. */
export class RunDir {
  /**
   * @param root the run directory
   */
  constructor(readonly root: string) {}

  /** `OUT/config.json`. */
  get configFile(): string {
    return join(this.root, "config.json");
  }
  /** `OUT/metrics.jsonl`. */
  get metricsFile(): string {
    return join(this.root, "metrics.jsonl");
  }
  /** `OUT/checkpoints`. */
  get checkpointsDir(): string {
    return join(this.root, "checkpoints");
  }
  /** `OUT/checkpoints/step-N`. */
  checkpointDir(step: number): string {
    return join(this.checkpointsDir, `step-${step}`);
  }
  /** `OUT/samples/step-N.jsonl`. */
  samplesFile(step: number): string {
    return join(this.root, "samples", `step-${step}.jsonl`);
  }
  /** `OUT/nan/step-N`. */
  nanDir(step: number): string {
    return join(this.root, "nan", `step-${step}`);
  }

  /** Creates the directory tree. */
  async create(): Promise<void> {
    for (const d of [this.root, this.checkpointsDir, join(this.root, "samples")]) {
      await Deno.mkdir(d, { recursive: true });
    }
  }

  /**
   * Writes the resolved config (plain verl-keyed JSON, loadable again with `--config`).
   *
   * @param config the resolved config
   */
  async writeConfig(config: unknown): Promise<void> {
    await writeJsonAtomic(this.configFile, config);
  }

  /**
   * The config a previous run in this directory used, or null.
   *
   * @returns the parsed `config.json`, or null when there is none
   */
  async previousConfig(): Promise<unknown | null> {
    if (!await pathExists(this.configFile)) return null;
    return JSON.parse(await Deno.readTextFile(this.configFile));
  }

  /** Writes `OUT/plan.txt`. */
  async writePlan(text: string): Promise<void> {
    await writeTextFileAtomic(join(this.root, "plan.txt"), text);
  }

  /**
   * The step of the last complete checkpoint, or null when there is none.
   *
   * @returns the step number named by `checkpoints/latest`
   */
  async latestCheckpoint(): Promise<number | null> {
    const file = join(this.checkpointsDir, "latest");
    if (!await pathExists(file)) return null;
    const name = (await Deno.readTextFile(file)).trim();
    const m = /^step-(\d+)$/.exec(name);
    if (!m) throw new Error(`${file}: expected "step-N", got ${JSON.stringify(name)}`);
    const step = Number(m[1]);
    if (!await pathExists(this.checkpointDir(step))) {
      throw new Error(`${file} names ${name}, but ${this.checkpointDir(step)} is missing`);
    }
    return step;
  }

  /** Points `checkpoints/latest` at `step-N` (after that checkpoint is complete). */
  async setLatest(step: number): Promise<void> {
    await writeTextFileAtomic(join(this.checkpointsDir, "latest"), `step-${step}\n`);
  }

  /**
   * Appends one metrics line.
   *
   * @param metrics the step's metrics (must include `training/global_step`)
   */
  async appendMetrics(metrics: Record<string, number>): Promise<void> {
    const f = await Deno.open(this.metricsFile, { append: true, create: true });
    try {
      await f.write(new TextEncoder().encode(JSON.stringify(metrics) + "\n"));
    } finally {
      f.close();
    }
  }

  /**
   * Keeps the metrics of steps `<= lastStep` (1-based `training/global_step`) and drops the
   * rest, plus a torn last line: what a resume from checkpoint `lastStep` must see.
   *
   * @param lastStep the last step to keep (0 keeps the step-0 validation only, -1 nothing)
   */
  async truncateMetrics(lastStep: number): Promise<void> {
    if (!await pathExists(this.metricsFile)) return;
    const kept: string[] = [];
    for (const line of (await Deno.readTextFile(this.metricsFile)).split("\n")) {
      if (line.trim() === "") continue;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line);
      } catch {
        continue; // a line torn by a kill
      }
      if (Number(row["training/global_step"]) <= lastStep) kept.push(line);
    }
    await writeTextFileAtomic(this.metricsFile, kept.map((l) => l + "\n").join(""));
  }

  /**
   * Whether `metrics.jsonl` has a complete line for a step.
   *
   * @param step the 1-based step
   * @returns true when a parsable line with that `training/global_step` exists
   */
  async hasMetricsFor(step: number): Promise<boolean> {
    if (!await pathExists(this.metricsFile)) return false;
    for (const line of (await Deno.readTextFile(this.metricsFile)).split("\n")) {
      try {
        if (JSON.parse(line)["training/global_step"] === step) return true;
      } catch { /* blank or torn */ }
    }
    return false;
  }

  /**
   * Writes one step's sample rows (atomically, replacing a file a killed run left).
   *
   * @param step the 1-based step
   * @param rows JSON rows
   */
  async writeSamples(step: number, rows: readonly unknown[]): Promise<void> {
    await writeTextFileAtomic(
      this.samplesFile(step),
      rows.map((r) => JSON.stringify(r) + "\n").join(""),
    );
  }
}
