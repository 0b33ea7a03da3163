/**
 * The host-side KV cache of a running batch: per layer one key and one value array
 * [B, Hkv, C, D], where each row's real positions are packed at columns `[0, length)` and the
 * rest of the capacity C is slack (masked out). Attention does not depend on the order of
 * the cached keys (RoPE is applied before caching), so rows of different lengths share one
 * buffer without left padding; finished rows leave by compaction, new rows join at the end.
 *
 * A decode step feeds the arrays as they are (onnxruntime reads CPU inputs in place) with an
 * attention mask [B, C + 1]; the graph returns only the new token's keys and values, which
 * {@link KvCache.appendStep} writes into column `length` of each row. The capacity grows and
 * shrinks in chunks of {@link CAPACITY_CHUNK} columns.
 *
 * @module
 */

/** Sizes of a model's cache. */
export interface KvDims {
  layers: number;
  /** Key/value heads. */
  heads: number;
  headDim: number;
}

/** Capacity is a multiple of this many columns. */
export const CAPACITY_CHUNK = 64;

/** Keys and values of a batch of rows, with per-row lengths. */
export class KvCache {
  readonly dims: KvDims;
  #capacity = 0;
  #lengths: number[] = [];
  /** 2 * layers arrays, `[key0, value0, key1, value1, ...]`, each [B, Hkv, C, D]. */
  #data: Float32Array[];
  /** The buffers behind `#data` (which are their first B rows): room for at least B rows. */
  #backing: Float32Array[];

  /** @param dims the model's cache sizes */
  constructor(dims: KvDims) {
    this.dims = dims;
    this.#data = Array.from({ length: 2 * dims.layers }, () => new Float32Array(0));
    this.#backing = this.#data;
  }

  /** Rows in the batch. */
  get batch(): number {
    return this.#lengths.length;
  }

  /** Columns per row (filled + slack). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Filled columns of each row. */
  get lengths(): readonly number[] {
    return this.#lengths;
  }

  /** The arrays to feed, `[key0, value0, ...]`, each [B, Hkv, capacity, D]. */
  get arrays(): readonly Float32Array[] {
    return this.#data;
  }

  /**
   * Rebuilds the batch: keeps rows `keep` (in that order), then adds `added` empty rows, with
   * room for at least `minColumns` columns per row.
   *
   * When the capacity stays the same and the rows fit the buffers already allocated (rows
   * leaving, or joining where earlier ones left), the kept rows move down in place and the
   * added rows are zeroed: no allocation, and only the filled columns are copied. Otherwise
   * every array is reallocated at the new capacity.
   *
   * @param keep indices of the rows to keep, ascending
   * @param added new empty rows at the end
   * @param minColumns columns needed @default the longest kept row
   */
  rebuild(keep: readonly number[], added: number, minColumns = 0): void {
    const { heads, headDim: D } = this.dims;
    const lengths = keep.map((r) => this.#lengths[r]);
    const need = Math.max(minColumns, ...lengths, 1);
    const cap = Math.ceil(need / CAPACITY_CHUNK) * CAPACITY_CHUNK;
    const B = keep.length + added, oldCap = this.#capacity;
    const rowSize = heads * cap * D;
    const inPlace = cap === oldCap && B * rowSize <= this.#backing[0].length &&
      keep.every((r, i) => r >= i);
    this.#backing = this.#backing.map((src) => {
      const dst = inPlace ? src : new Float32Array(B * rowSize);
      keep.forEach((r, i) => {
        if (inPlace && r === i) return;
        const n = lengths[i] * D;
        for (let h = 0; h < heads; h++) {
          const from = (r * heads + h) * oldCap * D;
          if (inPlace) dst.copyWithin((i * heads + h) * cap * D, from, from + n);
          else dst.set(src.subarray(from, from + n), (i * heads + h) * cap * D);
        }
      });
      // Reused rows hold an earlier row's values; masked, but zeroed so no stale value
      // (a NaN times a zero probability) can reach a new row.
      if (inPlace) dst.fill(0, keep.length * rowSize, B * rowSize);
      return dst;
    });
    this.#data = this.#backing.map((b) =>
      b.length === B * rowSize ? b : b.subarray(0, B * rowSize)
    );
    this.#capacity = cap;
    this.#lengths = [...lengths, ...new Array(added).fill(0)];
  }

  /** Grows the capacity (keeping every row) so that each row has room for `columns`. */
  ensureCapacity(columns: number): void {
    if (columns > this.#capacity) this.rebuild(this.#lengths.map((_, i) => i), 0, columns);
  }

  /**
   * Appends `count` columns to row `row`, copied from columns `[from, from + count)` of row
   * `srcRow` of `src` (2 * layers arrays [S, Hkv, srcColumns, D], e.g. a prefill's output).
   *
   * @param row the destination row
   * @param src the source arrays
   * @param srcRow the source row
   * @param srcColumns the source's column count
   * @param from first source column
   * @param count columns to copy
   */
  appendColumns(
    row: number,
    src: readonly Float32Array[],
    srcRow: number,
    srcColumns: number,
    from: number,
    count: number,
  ): void {
    const { heads, headDim: D } = this.dims;
    const len = this.#lengths[row];
    if (len + count > this.#capacity) {
      throw new Error(
        `KvCache: row ${row} needs ${len + count} columns, capacity ${this.#capacity}`,
      );
    }
    for (let a = 0; a < this.#data.length; a++) {
      const dst = this.#data[a], s = src[a];
      for (let h = 0; h < heads; h++) {
        const f = ((srcRow * heads + h) * srcColumns + from) * D;
        dst.set(s.subarray(f, f + count * D), ((row * heads + h) * this.#capacity + len) * D);
      }
    }
    this.#lengths[row] = len + count;
  }

  /**
   * Appends one column to every row from a decode step's new keys/values
   * (2 * layers arrays [B, Hkv, 1, D]).
   *
   * @param src the step's outputs
   */
  appendStep(src: readonly Float32Array[]): void {
    const { heads, headDim: D } = this.dims, C = this.#capacity, B = this.batch;
    for (let r = 0; r < B; r++) {
      if (this.#lengths[r] + 1 > C) {
        throw new Error(`KvCache: row ${r} needs ${this.#lengths[r] + 1} columns, capacity ${C}`);
      }
    }
    // A plain copy loop, arrays outermost: at batch 32 a subarray per (array, row, head) was
    // most of this call, and appendColumns per row (rows outermost) still cost 0.2 ms more.
    for (let a = 0; a < this.#data.length; a++) {
      const dst = this.#data[a], s = src[a];
      for (let r = 0; r < B; r++) {
        const len = this.#lengths[r];
        for (let h = 0; h < heads; h++) {
          const from = (r * heads + h) * D, to = ((r * heads + h) * C + len) * D;
          for (let d = 0; d < D; d++) dst[to + d] = s[from + d];
        }
      }
    }
    for (let r = 0; r < B; r++) this.#lengths[r]++;
  }

  /**
   * The attention mask of a step that feeds `t` new tokens per row: [B, capacity + t], 1 on
   * each row's filled columns and on the new ones.
   *
   * @param t new tokens per row @default 1
   * @returns int64 mask
   */
  stepMask(t = 1): BigInt64Array {
    const width = this.#capacity + t;
    const mask = new BigInt64Array(this.batch * width);
    this.#lengths.forEach((len, r) => {
      mask.fill(1n, r * width, r * width + len);
      mask.fill(1n, r * width + this.#capacity, (r + 1) * width);
    });
    return mask;
  }
}
