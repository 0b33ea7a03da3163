/**
 * Reading `.safetensors` files lazily: the header is parsed and checked on open, tensors are
 * read on demand with positioned reads, so a multi-GB checkpoint is never held twice.
 *
 * Format (huggingface/safetensors): 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the
 * data; offsets are relative to the start of the data.
 *
 * @module
 */

import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import {
  decodeToF32,
  decodeToF64,
  DTYPE_BYTES,
  isSafetensorsDtype,
  type SafetensorsDtype,
} from "./safetensors_dtype.ts";

export * from "./safetensors_dtype.ts";

/** Where and how one tensor is stored. */
export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** File holding the tensor. */
  file: string;
  /** Absolute byte offset of the tensor's data in the file. */
  offset: number;
  byteLength: number;
}

/** A float32 tensor in memory. */
export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

/** Read access to named tensors, from one file or a sharded set. */
export interface TensorReader {
  /** The `__metadata__` string map (empty when absent). */
  readonly metadata: Record<string, string>;
  /** Tensor names in storage order. */
  names(): string[];
  /** Whether a tensor exists. */
  has(name: string): boolean;
  /** Dtype, shape and location of a tensor; throws naming the file when missing. */
  info(name: string): TensorInfo;
  /** The stored bytes, unconverted. */
  readRaw(name: string): Promise<Uint8Array>;
  /** The values as float32 (bf16/f16 widened exactly, f64 rounded). */
  readF32(name: string): Promise<Float32Array>;
  /** The values as float64 (exact for every float dtype). */
  readF64(name: string): Promise<Float64Array>;
  /** Closes open file handles. */
  close(): Promise<void>;
}

/** Largest header accepted (the Rust library's limit). */
const MAX_HEADER_BYTES = 100_000_000;
/** Largest single positioned read. */
const READ_CHUNK = 1 << 30;

async function readFully(
  fh: FileHandle,
  out: Uint8Array,
  position: number,
  file: string,
): Promise<void> {
  let done = 0;
  while (done < out.byteLength) {
    const len = Math.min(READ_CHUNK, out.byteLength - done);
    const { bytesRead } = await fh.read(out, done, len, position + done);
    if (bytesRead === 0) {
      throw new Error(
        `${file}: unexpected end of file at byte ${position + done} (file truncated?)`,
      );
    }
    done += bytesRead;
  }
}

/**
 * Parses and checks a safetensors header.
 *
 * @param headerBytes the JSON header bytes
 * @param dataBytes bytes available after the header
 * @param file file name for messages
 * @returns the metadata and tensor infos (relative offsets), in storage order
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataBytes: number,
  file: string,
): {
  metadata: Record<string, string>;
  tensors: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[];
} {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new Error(
      `${file}: corrupt safetensors header (not valid UTF-8 JSON): ${(e as Error).message}`,
    );
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new Error(`${file}: corrupt safetensors header: expected a JSON object`);
  }
  const metadata: Record<string, string> = {};
  const tensors = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof entry !== "object" || entry === null) {
        throw new Error(`${file}: "__metadata__" must be an object`);
      }
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== "string") throw new Error(`${file}: "__metadata__.${k}" must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const where = `${file}: tensor "${name}"`;
    if (typeof e !== "object" || e === null) throw new Error(`${where}: entry must be an object`);
    if (!isSafetensorsDtype(e.dtype)) {
      throw new Error(`${where}: unsupported dtype ${JSON.stringify(e.dtype)}`);
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(
        `${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) || off.length !== 2 || !off.every((d) =>
        Number.isSafeInteger(d) && d >= 0
      ) ||
      off[1] < off[0]
    ) {
      throw new Error(
        `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${
          JSON.stringify(off)
        }`,
      );
    }
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    const expect = numel * DTYPE_BYTES[e.dtype];
    if (off[1] - off[0] !== expect) {
      throw new Error(
        `${where}: data_offsets span ${off[1] - off[0]} bytes but ${e.dtype} ${
          JSON.stringify(shape)
        } needs ${expect}`,
      );
    }
    if (off[1] > dataBytes) {
      throw new Error(
        `${where}: data_offsets [${off[0]}, ${
          off[1]
        }] run past the end of the data (${dataBytes} bytes; file truncated?)`,
      );
    }
    tensors.push({
      name,
      dtype: e.dtype,
      shape: shape as number[],
      begin: off[0] as number,
      end: off[1] as number,
    });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < tensors.length; i++) {
    const prev = tensors[i - 1], cur = tensors[i];
    if (cur.begin < prev.end && cur.end > cur.begin) {
      throw new Error(
        `${file}: tensors "${prev.name}" [${prev.begin}, ${prev.end}] and "${cur.name}" [${cur.begin}, ${cur.end}] overlap`,
      );
    }
  }
  return { metadata, tensors };
}

/**
 * One `.safetensors` file opened for lazy reading.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { SafetensorsFile } from "./safetensors.ts";
 * const f = await SafetensorsFile.open("tests/fixtures/reference-models/qwen3-tied-bf16/model.safetensors");
 * deepStrictEqual(f.info("model.embed_tokens.weight").dtype, "BF16");
 * await f.close();
 * ```
 */
export class SafetensorsFile implements TensorReader {
  readonly path: string;
  readonly metadata: Record<string, string>;
  #fh: FileHandle | null;
  #infos: Map<string, TensorInfo>;

  private constructor(
    path: string,
    fh: FileHandle,
    metadata: Record<string, string>,
    infos: Map<string, TensorInfo>,
  ) {
    this.path = path;
    this.#fh = fh;
    this.metadata = metadata;
    this.#infos = infos;
  }

  /**
   * Opens a file and checks its header.
   *
   * @param path the `.safetensors` file
   * @returns the open file; call `close()` when done
   */
  static async open(path: string): Promise<SafetensorsFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch (e) {
      throw new Error(`${path}: cannot open safetensors file: ${(e as Error).message}`);
    }
    try {
      const size = (await fh.stat()).size;
      if (size < 8) {
        throw new Error(`${path}: truncated safetensors file (${size} bytes, no header length)`);
      }
      const lenBytes = new Uint8Array(8);
      await readFully(fh, lenBytes, 0, path);
      const n = Number(new DataView(lenBytes.buffer).getBigUint64(0, true));
      if (n > MAX_HEADER_BYTES) throw new Error(`${path}: corrupt safetensors header length ${n}`);
      if (8 + n > size) {
        throw new Error(
          `${path}: header length ${n} exceeds the file size ${size} (truncated or corrupt)`,
        );
      }
      const headerBytes = new Uint8Array(n);
      await readFully(fh, headerBytes, 8, path);
      const { metadata, tensors } = parseSafetensorsHeader(headerBytes, size - 8 - n, path);
      const infos = new Map<string, TensorInfo>();
      for (const t of tensors) {
        infos.set(t.name, {
          name: t.name,
          dtype: t.dtype,
          shape: t.shape,
          file: path,
          offset: 8 + n + t.begin,
          byteLength: t.end - t.begin,
        });
      }
      return new SafetensorsFile(path, fh, metadata, infos);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  names(): string[] {
    return [...this.#infos.keys()];
  }

  has(name: string): boolean {
    return this.#infos.has(name);
  }

  info(name: string): TensorInfo {
    const i = this.#infos.get(name);
    if (!i) throw new Error(`${this.path}: no tensor named "${name}"`);
    return i;
  }

  async readRaw(name: string): Promise<Uint8Array> {
    const i = this.info(name);
    if (!this.#fh) throw new Error(`${this.path}: file is closed (reading "${name}")`);
    // A fresh buffer starts aligned for every dtype's typed-array view.
    const out = new Uint8Array(i.byteLength);
    await readFully(this.#fh, out, i.offset, `${this.path} (tensor "${name}")`);
    return out;
  }

  async readF32(name: string): Promise<Float32Array> {
    return decodeToF32(this.info(name).dtype, await this.readRaw(name));
  }

  async readF64(name: string): Promise<Float64Array> {
    return decodeToF64(this.info(name).dtype, await this.readRaw(name));
  }

  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = null;
    if (fh) await fh.close();
  }
}

/**
 * Reads every tensor of a reader as float32, in storage order.
 *
 * @param reader an open reader
 * @returns name -> {shape, data}
 */
export async function readAllF32(reader: TensorReader): Promise<Map<string, F32Tensor>> {
  const out = new Map<string, F32Tensor>();
  for (const name of reader.names()) {
    out.set(name, { shape: [...reader.info(name).shape], data: await reader.readF32(name) });
  }
  return out;
}
