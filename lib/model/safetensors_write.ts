/**
 * Writing `.safetensors` files atomically (temp file + rename), single or sharded with HF's
 * `model.safetensors.index.json`.
 *
 * Tensors are written in the order given, one at a time, so only one tensor's converted
 * bytes exist at once. The header is padded with spaces to a multiple of 8 bytes and carries
 * `__metadata__: {"format": "pt"}` (plus any extra metadata), as torch's `save_file` does.
 *
 * @module
 */

import { join } from "node:path";
import { withAtomicFile, writeJsonAtomic } from "../util/atomic.ts";
import { DTYPE_BYTES, f32ToBf16, f32ToF16, type SafetensorsDtype } from "./safetensors_dtype.ts";
import { SAFETENSORS_INDEX, SAFETENSORS_SINGLE } from "./safetensors_sharded.ts";

/** Typed arrays accepted as tensor data. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int32Array
  | BigInt64Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/**
 * One tensor to write. `dtype` defaults from the array type (Float32Array -> F32,
 * Float64Array -> F64, Int32Array -> I32, BigInt64Array -> I64, Int16Array -> I16,
 * Int8Array -> I8, Uint8Array -> U8). Float arrays are converted to a float `dtype`
 * (round to nearest even); a Uint8Array is taken as the raw stored bytes of `dtype`; a
 * Uint16Array holds raw BF16/F16 bits.
 */
export interface TensorToWrite {
  shape: readonly number[];
  data: TensorData;
  dtype?: SafetensorsDtype;
}

/** Options for {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** Extra `__metadata__` entries (`format: "pt"` is always set). */
  metadata?: Record<string, string>;
}

function defaultDtype(data: TensorData): SafetensorsDtype | null {
  if (data instanceof Float32Array) return "F32";
  if (data instanceof Float64Array) return "F64";
  if (data instanceof Int32Array) return "I32";
  if (data instanceof BigInt64Array) return "I64";
  if (data instanceof Int16Array) return "I16";
  if (data instanceof Int8Array) return "I8";
  if (data instanceof Uint8Array) return "U8";
  return null;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Encodes one tensor's data as the little-endian bytes of its target dtype.
 *
 * @param name tensor name for messages
 * @param t the tensor
 * @returns the dtype and bytes to store
 */
export function encodeTensor(
  name: string,
  t: TensorToWrite,
): { dtype: SafetensorsDtype; bytes: Uint8Array } {
  const dtype = t.dtype ?? defaultDtype(t.data);
  if (!dtype) {
    throw new Error(`tensor "${name}": a Uint16Array needs an explicit dtype (BF16 or F16)`);
  }
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(
      `tensor "${name}": shape must be non-negative integers, got ${JSON.stringify(t.shape)}`,
    );
  }
  const numel = t.shape.reduce((a, b) => a * b, 1);
  const d = t.data;
  let bytes: Uint8Array;
  if (d instanceof Uint8Array) {
    bytes = d; // raw bytes (of any dtype)
  } else {
    if (d.length !== numel) {
      throw new Error(
        `tensor "${name}": data has ${d.length} elements but shape ${
          JSON.stringify(t.shape)
        } needs ${numel}`,
      );
    }
    const cannot = () =>
      new Error(`tensor "${name}": cannot store ${d.constructor.name} as ${dtype}`);
    if (d instanceof Float32Array || d instanceof Float64Array) {
      const f32 = () => (d instanceof Float32Array ? d : new Float32Array(d));
      if (dtype === "F32") bytes = bytesOf(f32());
      else if (dtype === "F64") {
        bytes = bytesOf(d instanceof Float64Array ? d : Float64Array.from(d));
      } else if (dtype === "BF16") bytes = bytesOf(f32ToBf16(f32()));
      else if (dtype === "F16") bytes = bytesOf(f32ToF16(f32()));
      else throw cannot();
    } else if (d instanceof Uint16Array) {
      if (dtype !== "BF16" && dtype !== "F16") throw cannot();
      bytes = bytesOf(d);
    } else if (defaultDtype(d) === dtype) bytes = bytesOf(d);
    else throw cannot();
  }
  if (bytes.byteLength !== numel * DTYPE_BYTES[dtype]) {
    throw new Error(
      `tensor "${name}": ${bytes.byteLength} bytes but ${dtype} ${JSON.stringify(t.shape)} needs ${
        numel * DTYPE_BYTES[dtype]
      }`,
    );
  }
  return { dtype, bytes };
}

/** Byte size a tensor will occupy once stored. */
function storedBytes(name: string, t: TensorToWrite): number {
  const dtype = t.dtype ?? defaultDtype(t.data);
  if (!dtype) {
    throw new Error(`tensor "${name}": a Uint16Array needs an explicit dtype (BF16 or F16)`);
  }
  return t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) done += await file.write(bytes.subarray(done));
}

/**
 * Writes tensors to one `.safetensors` file atomically.
 *
 * @param path the target file
 * @param tensors name -> tensor, written in iteration order
 * @param options extra metadata
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { SafetensorsFile, writeSafetensors } from "./mod.ts";
 * const p = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await writeSafetensors(p, new Map([["w", { shape: [2], data: new Float32Array([1, 2]) }]]));
 * const f = await SafetensorsFile.open(p);
 * deepStrictEqual(await f.readF32("w"), new Float32Array([1, 2]));
 * await f.close();
 * await Deno.remove(p);
 * ```
 */
export async function writeSafetensors(
  path: string,
  tensors: Iterable<[string, TensorToWrite]>,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  const entries = [...tensors];
  const header: Record<string, unknown> = { __metadata__: { format: "pt", ...options.metadata } };
  let offset = 0;
  const seen = new Set<string>();
  for (const [name, t] of entries) {
    if (name === "__metadata__") {
      throw new Error(`${path}: "__metadata__" is not a valid tensor name`);
    }
    if (seen.has(name)) throw new Error(`${path}: tensor "${name}" given twice`);
    seen.add(name);
    const size = storedBytes(name, t);
    header[name] = {
      dtype: t.dtype ?? defaultDtype(t.data),
      shape: [...t.shape],
      data_offsets: [offset, offset + size],
    };
    offset += size;
  }
  let json = JSON.stringify(header);
  const rawLen = new TextEncoder().encode(json).byteLength;
  json += " ".repeat((8 - ((8 + rawLen) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  await withAtomicFile(path, async (tmp) => {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      await writeAll(file, prefix);
      await writeAll(file, headerBytes);
      for (const [name, t] of entries) await writeAll(file, encodeTensor(name, t).bytes);
    } finally {
      file.close();
    }
  });
}

/** Options for {@link writeSafetensorsSharded}. */
export interface WriteShardedOptions extends WriteSafetensorsOptions {
  /** Largest shard in bytes of tensor data (a single larger tensor gets its own shard). @default 5e9 */
  maxShardBytes?: number;
}

/**
 * Writes model weights into a directory the way HF `save_pretrained` lays them out:
 * `model.safetensors` when everything fits one shard, else `model-0000K-of-0000N.safetensors`
 * plus `model.safetensors.index.json` (`metadata.total_size`, `weight_map`). Files of the other
 * layout left from an earlier save are removed.
 *
 * @param dir the model directory (created if missing)
 * @param tensors name -> tensor, in order
 * @param options shard size and metadata
 * @returns the weight file names written
 */
export async function writeSafetensorsSharded(
  dir: string,
  tensors: Iterable<[string, TensorToWrite]>,
  options: WriteShardedOptions = {},
): Promise<string[]> {
  const max = options.maxShardBytes ?? 5e9;
  if (!(max > 0)) throw new Error(`writeSafetensorsSharded: maxShardBytes must be > 0, got ${max}`);
  await Deno.mkdir(dir, { recursive: true });
  const shards: [string, TensorToWrite][][] = [[]];
  let size = 0, total = 0;
  for (const [name, t] of tensors) {
    const b = storedBytes(name, t);
    if (size + b > max && shards.at(-1)!.length > 0) {
      shards.push([]);
      size = 0;
    }
    shards.at(-1)!.push([name, t]);
    size += b;
    total += b;
  }
  const n = shards.length;
  const names = n === 1
    ? [SAFETENSORS_SINGLE]
    : shards.map((_, i) =>
      `model-${String(i + 1).padStart(5, "0")}-of-${String(n).padStart(5, "0")}.safetensors`
    );
  for (let i = 0; i < n; i++) await writeSafetensors(join(dir, names[i]), shards[i], options);
  if (n > 1) {
    const weightMap: Record<string, string> = {};
    shards.forEach((s, i) => s.forEach(([name]) => (weightMap[name] = names[i])));
    await writeJsonAtomic(join(dir, SAFETENSORS_INDEX), {
      metadata: { total_size: total },
      weight_map: weightMap,
    });
  }
  for await (const e of Deno.readDir(dir)) {
    const stale = e.name === SAFETENSORS_INDEX
      ? n === 1
      : e.name === SAFETENSORS_SINGLE
      ? n > 1
      : /^model-\d{5}-of-\d{5}\.safetensors$/.test(e.name) && !names.includes(e.name);
    if (stale) await Deno.remove(join(dir, e.name));
  }
  return names;
}
