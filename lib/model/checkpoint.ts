/**
 * Model directories and run checkpoints.
 *
 * A run checkpoint is a complete HF model directory (config.json, model.safetensors or
 * shards, tokenizer files copied from a source directory) plus:
 * - `optimizer.safetensors`: AdamW moments, `{param}.exp_avg` and `{param}.exp_avg_sq` (F32);
 * - `trainer_state.json`: `{format, step, rng, state}` with arbitrary JSON `state`.
 * The directory is built in `DIR.tmp-xxx` and swapped in as a whole, so an interrupted save
 * leaves the previous checkpoint intact.
 *
 * @module
 */

import { join } from "node:path";
import type { ModelConfig } from "./config.ts";
import { readModelConfig, writeModelConfig } from "./config_io.ts";
import { checkParameters, parameterSpecs } from "./params.ts";
import { type F32Tensor, SafetensorsFile } from "./safetensors.ts";
import { openModelWeights } from "./safetensors_sharded.ts";
import { writeSafetensors, writeSafetensorsSharded } from "./safetensors_write.ts";
import { recoverDir, replaceDirAtomic, writeJsonAtomic } from "../util/atomic.ts";
import type { RngState } from "../util/rng.ts";
import { pathExists } from "../util/fs.ts";

/** Tokenizer and generation files copied into a checkpoint when present in the source directory. */
export const TOKENIZER_FILES: readonly string[] = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "vocab.json",
  "merges.txt",
  "tokenizer.model",
  "chat_template.jinja",
  "generation_config.json",
];

/** AdamW state: first and second moments per parameter name (same shapes as the parameters). */
export interface AdamWState {
  expAvg: Map<string, F32Tensor>;
  expAvgSq: Map<string, F32Tensor>;
}

/** What the trainer needs to resume besides weights and optimizer moments. */
export interface TrainerState {
  /** Optimizer steps taken. */
  step: number;
  /** The run's random generator state, or null. */
  rng: RngState | null;
  /** Any other JSON-serialisable state (data cursor, metrics, config echo, ...). */
  state: Record<string, unknown>;
}

/** A run checkpoint in memory. */
export interface Checkpoint {
  config: ModelConfig;
  params: Map<string, F32Tensor>;
  optimizer: AdamWState | null;
  trainerState: TrainerState;
}

/** Options for {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** Directory whose tokenizer/generation files ({@link TOKENIZER_FILES}) are copied in. */
  sourceDir?: string;
  /** Shard model weights above this many bytes. @default 5e9 */
  maxShardBytes?: number;
}

const STATE_FORMAT = "grlo-kit/trainer-state/1";
/** File holding the AdamW moments in a checkpoint directory. */
export const OPTIMIZER_FILE = "optimizer.safetensors";
/** File holding the step, RNG state and free-form trainer state. */
export const TRAINER_STATE_FILE = "trainer_state.json";

/**
 * Loads an HF model directory (single-file or sharded weights) as float32 parameters, checked
 * against the config's parameter list.
 *
 * @param dir the model directory
 * @returns the config and name -> tensor in parameter order
 */
export async function loadModel(
  dir: string,
): Promise<{ config: ModelConfig; params: Map<string, F32Tensor> }> {
  const config = await readModelConfig(dir);
  const reader = await openModelWeights(dir);
  try {
    checkParameters(config, new Map(reader.names().map((n) => [n, reader.info(n)])), dir);
    const params = new Map<string, F32Tensor>();
    for (const s of parameterSpecs(config)) {
      params.set(s.name, { shape: [...s.shape], data: await reader.readF32(s.name) });
    }
    return { config, params };
  } finally {
    await reader.close();
  }
}

/**
 * Writes an HF model directory (config.json + weights) in place, file by file atomically.
 *
 * @param dir the directory (created if missing)
 * @param config the model config
 * @param params name -> tensor, checked against the config
 * @param options shard size; `dtype` of the stored weights @default "F32"
 */
export async function saveModel(
  dir: string,
  config: ModelConfig,
  params: ReadonlyMap<string, F32Tensor>,
  options: { maxShardBytes?: number; dtype?: "F32" | "BF16" | "F16" } = {},
): Promise<void> {
  checkParameters(config, params, dir);
  const dtype = options.dtype ?? "F32";
  const torchDtype = { F32: "float32", BF16: "bfloat16", F16: "float16" }[dtype];
  await writeModelConfig(dir, { ...config, torchDtype });
  const ordered = orderBySpecs(config, params);
  await writeSafetensorsSharded(
    dir,
    [...ordered].map(([n, t]) => [n, { ...t, dtype }] as const),
    options,
  );
}

/** The config's parameters in spec order (extras such as a tied lm_head copy dropped). */
function orderBySpecs(
  config: ModelConfig,
  params: ReadonlyMap<string, F32Tensor>,
): Map<string, F32Tensor> {
  return new Map(parameterSpecs(config).map((s) => [s.name, params.get(s.name)!]));
}

/**
 * Saves a run checkpoint directory atomically as a whole (see the module doc for the layout).
 *
 * @param dir the checkpoint directory; replaced if it exists
 * @param ckpt config, parameters, optimizer moments and trainer state
 * @param options tokenizer source directory and shard size
 */
export async function saveCheckpoint(
  dir: string,
  ckpt: Checkpoint,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  checkParameters(ckpt.config, ckpt.params, dir);
  if (ckpt.optimizer) checkMoments(ckpt, dir);
  if (!Number.isSafeInteger(ckpt.trainerState.step) || ckpt.trainerState.step < 0) {
    throw new Error(
      `${dir}: trainer state "step" must be a non-negative integer, got ${ckpt.trainerState.step}`,
    );
  }
  await replaceDirAtomic(dir, async (tmp) => {
    await saveModel(tmp, ckpt.config, ckpt.params, { maxShardBytes: options.maxShardBytes });
    if (ckpt.optimizer) {
      const entries: [string, F32Tensor][] = [];
      for (const s of parameterSpecs(ckpt.config)) {
        entries.push([`${s.name}.exp_avg`, ckpt.optimizer.expAvg.get(s.name)!]);
        entries.push([`${s.name}.exp_avg_sq`, ckpt.optimizer.expAvgSq.get(s.name)!]);
      }
      await writeSafetensors(join(tmp, OPTIMIZER_FILE), entries, {
        metadata: { optimizer: "adamw" },
      });
    }
    if (options.sourceDir) {
      for (const f of TOKENIZER_FILES) {
        try {
          await Deno.copyFile(join(options.sourceDir, f), join(tmp, f));
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      }
    }
    const { step, rng, state } = ckpt.trainerState;
    await writeJsonAtomic(join(tmp, TRAINER_STATE_FILE), {
      format: STATE_FORMAT,
      step,
      rng,
      state,
    });
  });
}

function checkMoments(ckpt: Checkpoint, dir: string): void {
  for (
    const [label, m] of [["exp_avg", ckpt.optimizer!.expAvg], [
      "exp_avg_sq",
      ckpt.optimizer!.expAvgSq,
    ]] as const
  ) {
    for (const s of parameterSpecs(ckpt.config)) {
      const t = m.get(s.name);
      const p = ckpt.params.get(s.name)!;
      if (!t || t.data.length !== p.data.length) {
        throw new Error(
          `${dir}: optimizer ${label} for "${s.name}" is ${
            t ? `${t.data.length} values` : "missing"
          }, expected ${p.data.length}`,
        );
      }
    }
  }
}

/**
 * Loads a run checkpoint saved by {@link saveCheckpoint}; arrays come back bit-identical.
 * A directory left half-swapped by an interrupted save is repaired first.
 *
 * @param dir the checkpoint directory
 * @returns the checkpoint (optimizer null when the directory has no optimizer file)
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  await recoverDir(dir);
  const { config, params } = await loadModel(dir);
  let optimizer: AdamWState | null = null;
  const optPath = join(dir, OPTIMIZER_FILE);
  let opt: SafetensorsFile | null = null;
  try {
    opt = await SafetensorsFile.open(optPath);
  } catch (e) {
    if (await pathExists(optPath)) throw e;
  }
  if (opt) {
    try {
      optimizer = { expAvg: new Map(), expAvgSq: new Map() };
      for (const s of parameterSpecs(config)) {
        for (
          const [suffix, m] of [["exp_avg", optimizer.expAvg], [
            "exp_avg_sq",
            optimizer.expAvgSq,
          ]] as const
        ) {
          const name = `${s.name}.${suffix}`;
          if (!opt.has(name)) throw new Error(`${optPath}: missing tensor "${name}"`);
          m.set(s.name, { shape: [...opt.info(name).shape], data: await opt.readF32(name) });
        }
      }
    } finally {
      await opt.close();
    }
  }
  const statePath = join(dir, TRAINER_STATE_FILE);
  let raw: { format?: unknown; step?: unknown; rng?: unknown; state?: unknown };
  try {
    raw = JSON.parse(await Deno.readTextFile(statePath));
  } catch (e) {
    throw new Error(`${statePath}: cannot read trainer state: ${(e as Error).message}`);
  }
  if (raw.format !== STATE_FORMAT) {
    throw new Error(
      `${statePath}: field "format": expected "${STATE_FORMAT}", got ${JSON.stringify(raw.format)}`,
    );
  }
  if (!Number.isSafeInteger(raw.step)) {
    throw new Error(`${statePath}: field "step": expected an integer`);
  }
  if (typeof raw.state !== "object" || raw.state === null) {
    throw new Error(`${statePath}: field "state": expected an object`);
  }
  return {
    config,
    params,
    optimizer,
    trainerState: {
      step: raw.step as number,
      rng: (raw.rng ?? null) as RngState | null,
      state: raw.state as Record<string, unknown>,
    },
  };
}
