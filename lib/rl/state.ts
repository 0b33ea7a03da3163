/**
 * Checkpoint and resume of everything a training step needs: the policy and critic weights
 * with their AdamW moments and step counters (HF directories, lib/model/checkpoint.ts), and
 * `trainer_state.json` with the step, the data position, the KL controller, and the seeds of
 * every random stream.
 *
 * The trainer keeps no stateful random generator: the data order is a function of
 * (`data.seed`, epoch) and every rollout request's seed a function of (`kit.seed`, step,
 * prompt), so the seeds and the step *are* the RNG state, and a resumed run draws exactly
 * what an uninterrupted one would.
 *
 * `OUT/checkpoints/step-N/` is built beside its final name and swapped in whole; only then
 * does `checkpoints/latest` move to it, so a kill at any moment leaves the previous complete
 * checkpoint in place. {@link pruneRunCheckpoints} then applies `trainer.max_actor_ckpt_to_keep`
 * and `trainer.max_critic_ckpt_to_keep`.
 *
 * @module
 */

import { join } from "node:path";
import { pathExists } from "../util/fs.ts";
import type { HostArray } from "../graph/mod.ts";
import { loadCheckpoint, saveCheckpoint } from "../model/checkpoint.ts";
import type { ModelConfig } from "../model/config.ts";
import type { F32Tensor } from "../model/safetensors.ts";
import { replaceDirAtomic, writeJsonAtomic } from "../util/atomic.ts";
import type { RunDir } from "./run_dir.ts";

const FORMAT = "grlo-kit/rl-trainer-state/1";

/** One trained model's state: weights, moments, optimizer step. */
export interface ModelTrainState {
  config: ModelConfig;
  params: Map<string, HostArray>;
  m: Map<string, HostArray>;
  v: Map<string, HostArray>;
  /** AdamW steps taken. */
  optimizerStep: number;
}

/** `trainer_state.json` of a run checkpoint. */
export interface RunTrainerState {
  /** Training steps completed (verl's `global_steps` after the step). */
  globalStep: number;
  /** Epoch of the next step, and its position in the epoch's permutation (prompts). */
  data: { epoch: number; position: number };
  /** The KL controller's coefficient (adaptive control moves it). */
  klCoef: number;
  /** Seeds of every random stream (`data.seed`: prompt order; `kit.seed`: sampling). */
  seeds: { data: number; sampling: number };
  /** sha256 of the resolved config that wrote it. */
  configHash: string;
  /** The step's metrics line (restored on resume if the kill came before it was logged). */
  metrics?: Record<string, number>;
}

/** What a checkpoint holds. */
export interface RunCheckpoint {
  policy: ModelTrainState;
  critic: ModelTrainState | null;
  state: RunTrainerState;
}

/**
 * Writes `OUT/checkpoints/step-N/` (policy/, critic/, trainer_state.json) and then points
 * `checkpoints/latest` at it.
 *
 * @param run the run directory
 * @param ckpt what to save
 * @param shapes parameter shapes by name (the models' parameter specs)
 * @param tokenizerDir directory whose tokenizer files are copied into policy/
 */
export async function saveRunCheckpoint(
  run: RunDir,
  ckpt: RunCheckpoint,
  shapes: { policy: Map<string, number[]>; critic: Map<string, number[]> | null },
  tokenizerDir: string,
): Promise<void> {
  const step = ckpt.state.globalStep;
  await replaceDirAtomic(run.checkpointDir(step), async (tmp) => {
    await saveModelState(join(tmp, "policy"), ckpt.policy, shapes.policy, tokenizerDir);
    if (ckpt.critic && shapes.critic) {
      await saveModelState(join(tmp, "critic"), ckpt.critic, shapes.critic, tokenizerDir);
    }
    await writeJsonAtomic(join(tmp, "trainer_state.json"), { format: FORMAT, ...ckpt.state });
  });
  await run.setLatest(step);
}

async function saveModelState(
  dir: string,
  s: ModelTrainState,
  shapes: Map<string, number[]>,
  tokenizerDir: string,
): Promise<void> {
  const t = (arrays: Map<string, HostArray>) =>
    new Map(
      [...arrays].map(([n, data]) => [n, { shape: shapes.get(n)!, data: data as Float32Array }]),
    );
  await saveCheckpoint(dir, {
    config: s.config,
    params: t(s.params),
    optimizer: { expAvg: t(s.m), expAvgSq: t(s.v) },
    trainerState: { step: s.optimizerStep, rng: null, state: {} },
  }, { sourceDir: tokenizerDir });
}

/**
 * Loads `OUT/checkpoints/step-N/`.
 *
 * @param run the run directory
 * @param step the checkpoint's step
 * @param withCritic whether a critic/ is expected
 * @returns the checkpoint
 */
export async function loadRunCheckpoint(
  run: RunDir,
  step: number,
  withCritic: boolean,
): Promise<RunCheckpoint> {
  const dir = run.checkpointDir(step);
  const file = join(dir, "trainer_state.json");
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new Error(`${file}: cannot read trainer state (${(e as Error).message})`);
  }
  if (raw.format !== FORMAT) {
    throw new Error(
      `${file}: field "format": expected "${FORMAT}", got ${JSON.stringify(raw.format)}`,
    );
  }
  const { format: _f, ...state } = raw;
  return {
    policy: await loadModelState(join(dir, "policy")),
    critic: withCritic ? await loadModelState(join(dir, "critic")) : null,
    state: state as unknown as RunTrainerState,
  };
}

async function loadModelState(dir: string): Promise<ModelTrainState> {
  const c = await loadCheckpoint(dir);
  if (!c.optimizer) throw new Error(`${dir}: the checkpoint has no optimizer state to resume from`);
  const arrays = (m: Map<string, F32Tensor>) =>
    new Map<string, HostArray>([...m].map(([n, t]) => [n, t.data]));
  return {
    config: c.config,
    params: arrays(c.params),
    m: arrays(c.optimizer.expAvg),
    v: arrays(c.optimizer.expAvgSq),
    optimizerStep: c.trainerState.step,
  };
}

/** How many checkpoints of each model part to keep (null = every one). */
export interface CheckpointRetention {
  /** `trainer.max_actor_ckpt_to_keep`: step directories whose `policy/` is kept. */
  policy: number | null;
  /** `trainer.max_critic_ckpt_to_keep`: step directories whose `critic/` is kept. */
  critic: number | null;
}

/** The model parts of a run checkpoint; a step directory with none of them left is removed. */
const MODEL_PARTS = ["policy", "critic"] as const;
/** Prefix of what a prune is deleting (renamed out of the way first, so it vanishes whole). */
const TRASH = ".pruning-";

/** What {@link pruneRunCheckpoints} removed. */
export interface PruneResult {
  /** `step-N/policy` or `step-N/critic` parts removed from directories that stay. */
  parts: string[];
  /** `step-N` directories removed whole. */
  steps: string[];
}

/**
 * Deletes old checkpoints past the retention counts (verl's `max_actor_ckpt_to_keep` /
 * `max_critic_ckpt_to_keep`), to be called once `checkpoints/latest` points at the new one.
 *
 * Among the step directories at or before `latest`, each part (`policy/`, `critic/`) is kept
 * in its newest N holders and removed from the rest; a directory left with no model part is
 * removed whole (its `trainer_state.json` with it). The directory `latest` names is never
 * touched, nor are step directories after it (a killed or abandoned run's, replaced when this
 * run reaches their step). Deletions go oldest first, and each is a rename out of the way
 * followed by a recursive remove, so a kill at any moment leaves `latest` and every newer
 * checkpoint whole, and calling this again finishes the job.
 *
 * verl deletes the oldest checkpoint before saving the new one; the kit deletes after, so
 * there is always a complete checkpoint on disk.
 *
 * @param run the run directory
 * @param keep the retention counts
 * @returns what was removed
 */
export async function pruneRunCheckpoints(
  run: RunDir,
  keep: CheckpointRetention,
): Promise<PruneResult> {
  const removed: PruneResult = { parts: [], steps: [] };
  if (keep.policy === null && keep.critic === null) return removed;
  const latest = await run.latestCheckpoint();
  if (latest === null) return removed;
  const root = run.checkpointsDir;
  const steps: number[] = [], leftovers: string[] = [];
  for await (const e of Deno.readDir(root)) {
    if (!e.isDirectory) continue;
    if (e.name.startsWith(TRASH)) leftovers.push(join(root, e.name)); // a killed prune's
    const m = /^step-(\d+)$/.exec(e.name);
    if (m && Number(m[1]) <= latest) steps.push(Number(m[1]));
  }
  for (const path of leftovers) await Deno.remove(path, { recursive: true });
  steps.sort((a, b) => a - b);
  // Per part: the steps to drop it from, the oldest of its holders beyond the newest N.
  const holders = new Map<string, number[]>(), drop = new Map<string, Set<number>>();
  for (const part of MODEL_PARTS) {
    const h: number[] = [];
    for (const s of steps) if (await pathExists(join(run.checkpointDir(s), part))) h.push(s);
    holders.set(part, h);
    const n = keep[part];
    drop.set(part, new Set(n === null ? [] : h.slice(0, Math.max(0, h.length - n))));
  }
  for (const s of steps) {
    if (s === latest) continue;
    const dir = run.checkpointDir(s);
    const gone = (part: string) => drop.get(part)!.has(s) || !holders.get(part)!.includes(s);
    if (MODEL_PARTS.every(gone)) {
      await removeWhole(dir, join(root, `${TRASH}step-${s}`));
      removed.steps.push(`step-${s}`);
      continue;
    }
    for (const part of MODEL_PARTS) {
      if (!drop.get(part)!.has(s)) continue;
      await removeWhole(join(dir, part), join(root, `${TRASH}step-${s}-${part}`));
      removed.parts.push(`step-${s}/${part}`);
    }
  }
  return removed;
}

/** Renames `path` to `trash` (one atomic step: it is there whole or gone), then removes it. */
async function removeWhole(path: string, trash: string): Promise<void> {
  await Deno.rename(path, trash);
  await Deno.remove(trash, { recursive: true });
}
