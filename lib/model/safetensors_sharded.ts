/**
 * Sharded safetensors checkpoints (`model.safetensors.index.json` + `model-0000K-of-0000N.safetensors`)
 * and opening a model directory's weights whichever layout it uses.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { SafetensorsFile, type TensorInfo, type TensorReader } from "./safetensors.ts";
import { pathExists } from "../util/fs.ts";

/** Name of the index file HF writes beside sharded weights. */
export const SAFETENSORS_INDEX = "model.safetensors.index.json";
/** Name of a single-file HF checkpoint. */
export const SAFETENSORS_SINGLE = "model.safetensors";

/** Several safetensors files read as one, through an index's `weight_map`. */
export class ShardedSafetensors implements TensorReader {
  readonly indexPath: string;
  readonly metadata: Record<string, string>;
  #files: SafetensorsFile[];
  #owner: Map<string, SafetensorsFile>;

  private constructor(
    indexPath: string,
    metadata: Record<string, string>,
    files: SafetensorsFile[],
    owner: Map<string, SafetensorsFile>,
  ) {
    this.indexPath = indexPath;
    this.metadata = metadata;
    this.#files = files;
    this.#owner = owner;
  }

  /**
   * Opens every shard named by an index file and checks that each indexed tensor is in its shard.
   *
   * @param indexPath path of `model.safetensors.index.json`
   * @returns the reader; call `close()` when done
   */
  static async open(indexPath: string): Promise<ShardedSafetensors> {
    let index: { metadata?: Record<string, unknown>; weight_map?: Record<string, unknown> };
    try {
      index = JSON.parse(await Deno.readTextFile(indexPath));
    } catch (e) {
      throw new Error(`${indexPath}: cannot read safetensors index: ${(e as Error).message}`);
    }
    const wm = index?.weight_map;
    if (typeof wm !== "object" || wm === null || Array.isArray(wm)) {
      throw new Error(`${indexPath}: field "weight_map": expected an object {tensor: file}`);
    }
    const dir = dirname(indexPath);
    const shardNames: string[] = [];
    for (const [tensor, file] of Object.entries(wm)) {
      if (typeof file !== "string" || file.includes("..") || file.startsWith("/")) {
        throw new Error(
          `${indexPath}: weight_map["${tensor}"]: expected a file name in the same directory, got ${
            JSON.stringify(file)
          }`,
        );
      }
      if (!shardNames.includes(file)) shardNames.push(file);
    }
    shardNames.sort();
    const files: SafetensorsFile[] = [];
    try {
      for (const s of shardNames) files.push(await SafetensorsFile.open(join(dir, s)));
      const weightMap = wm as Record<string, string>;
      const byName = new Map(shardNames.map((s, i) => [s, files[i]]));
      for (const [tensor, file] of Object.entries(weightMap)) {
        const f = byName.get(file)!;
        if (!f.has(tensor)) {
          throw new Error(`${f.path}: tensor "${tensor}" listed in ${indexPath} is missing`);
        }
      }
      // Storage order: shard by shard, offset order within a shard; unindexed tensors are ignored.
      const ordered = new Map<string, SafetensorsFile>();
      for (const [s, f] of byName) {
        for (const n of f.names()) if (weightMap[n] === s) ordered.set(n, f);
      }
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(index.metadata ?? {})) metadata[k] = String(v);
      return new ShardedSafetensors(indexPath, metadata, files, ordered);
    } catch (e) {
      for (const f of files) await f.close();
      throw e;
    }
  }

  #file(name: string): SafetensorsFile {
    const f = this.#owner.get(name);
    if (!f) throw new Error(`${this.indexPath}: no tensor named "${name}"`);
    return f;
  }

  names(): string[] {
    return [...this.#owner.keys()];
  }

  has(name: string): boolean {
    return this.#owner.has(name);
  }

  info(name: string): TensorInfo {
    return this.#file(name).info(name);
  }

  readRaw(name: string): Promise<Uint8Array> {
    return this.#file(name).readRaw(name);
  }

  readF32(name: string): Promise<Float32Array> {
    return this.#file(name).readF32(name);
  }

  readF64(name: string): Promise<Float64Array> {
    return this.#file(name).readF64(name);
  }

  async close(): Promise<void> {
    for (const f of this.#files) await f.close();
  }
}

/**
 * Opens a model directory's weights: the sharded index when present, else `model.safetensors`.
 *
 * @param dir the HF model directory
 * @returns a reader over all weight tensors
 * @throws Error naming the directory and the expected files when neither exists
 */
export async function openModelWeights(dir: string): Promise<TensorReader> {
  const index = join(dir, SAFETENSORS_INDEX);
  if (await pathExists(index)) return await ShardedSafetensors.open(index);
  const single = join(dir, SAFETENSORS_SINGLE);
  if (await pathExists(single)) return await SafetensorsFile.open(single);
  throw new Error(
    `${dir}: no model weights (expected ${SAFETENSORS_SINGLE} or ${SAFETENSORS_INDEX})`,
  );
}
