/**
 * Safetensors element types and the float conversions torch uses between them.
 *
 * bf16 -> f32 is a 16-bit left shift; f32 -> bf16 rounds to nearest even (NaN -> 0x7fc0),
 * as `c10::BFloat16`. f16 <-> f32 follow IEEE 754 binary16 with subnormals, infinities and
 * NaN, round to nearest even, as `c10::Half`.
 *
 * @module
 */

/** Element types of the safetensors format. */
export type SafetensorsDtype =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U8"
  | "BOOL";

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/**
 * Whether a string names a dtype this module handles.
 *
 * @param s the string
 * @returns true for a {@link SafetensorsDtype}
 */
export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === "string" && Object.hasOwn(DTYPE_BYTES, s);
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("safetensors: this module assumes a little-endian host");
}

let f16Table: Float32Array | null = null;

/** All 65536 binary16 values widened to float32 (built on first use). */
function f16ToF32Table(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  const bits = new Uint32Array(t.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = (sign ? -1 : 1) * mant * 2 ** -24; // zero or subnormal, exact in f32
    else if (exp === 31) bits[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    else bits[h] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  }
  f16Table = t;
  return t;
}

/**
 * Widens bf16 bit patterns to float32 (exact).
 *
 * @param src bf16 bits
 * @param out destination @default a new array
 * @returns the float32 values
 */
export function bf16ToF32(
  src: Uint16Array,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  const o = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) o[i] = src[i] << 16;
  return out;
}

/**
 * Rounds float32 values to bf16 bit patterns (round to nearest even; NaN -> 0x7fc0).
 *
 * @param src float32 values
 * @returns bf16 bits
 */
export function f32ToBf16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const u = bits[i];
    if ((u & 0x7fffffff) > 0x7f800000) out[i] = 0x7fc0;
    else out[i] = (u + ((u >>> 16) & 1) + 0x7fff) / 65536;
  }
  return out;
}

/**
 * Widens binary16 bit patterns to float32 (exact, subnormals included).
 *
 * @param src f16 bits
 * @param out destination @default a new array
 * @returns the float32 values
 */
export function f16ToF32(
  src: Uint16Array,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  const t = f16ToF32Table();
  const o = new Uint32Array(out.buffer, out.byteOffset, out.length);
  const tb = new Uint32Array(t.buffer);
  for (let i = 0; i < src.length; i++) o[i] = tb[src[i]]; // copy bits so NaN payloads survive
  return out;
}

/**
 * Rounds one float32 bit pattern to binary16 (round to nearest even, overflow -> inf).
 *
 * @param bits the float32 bits
 * @returns the f16 bits
 */
export function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return half;
}

/**
 * Rounds float32 values to binary16 bit patterns.
 *
 * @param src float32 values
 * @returns f16 bits
 */
export function f32ToF16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f32BitsToF16(bits[i]);
  return out;
}

/**
 * Decodes raw little-endian tensor bytes to float32 (floats widened or rounded as torch's
 * `.float()`, integers converted).
 *
 * @param dtype the stored dtype
 * @param bytes the raw bytes (their buffer may be reused for the result)
 * @returns float32 values
 */
export function decodeToF32(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  const aligned = alignedCopy(bytes, DTYPE_BYTES[dtype]);
  switch (dtype) {
    case "F32":
      return new Float32Array(aligned.buffer, aligned.byteOffset, n);
    case "BF16":
      return bf16ToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, n));
    case "F16":
      return f16ToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, n));
    default:
      return Float32Array.from(decodeToF64(dtype, bytes));
  }
}

/**
 * Decodes raw little-endian tensor bytes to float64 (exact for every float dtype).
 *
 * @param dtype the stored dtype
 * @param bytes the raw bytes
 * @returns float64 values
 */
export function decodeToF64(dtype: SafetensorsDtype, bytes: Uint8Array): Float64Array {
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  const a = alignedCopy(bytes, DTYPE_BYTES[dtype]);
  const buf = a.buffer, off = a.byteOffset;
  switch (dtype) {
    case "F64":
      return new Float64Array(buf, off, n);
    case "F32":
      return Float64Array.from(new Float32Array(buf, off, n));
    case "BF16":
      return Float64Array.from(bf16ToF32(new Uint16Array(buf, off, n)));
    case "F16":
      return Float64Array.from(f16ToF32(new Uint16Array(buf, off, n)));
    case "I64":
      return Float64Array.from(new BigInt64Array(buf, off, n), (v) => Number(v));
    case "I32":
      return Float64Array.from(new Int32Array(buf, off, n));
    case "I16":
      return Float64Array.from(new Int16Array(buf, off, n));
    case "I8":
      return Float64Array.from(new Int8Array(buf, off, n));
    case "U8":
    case "BOOL":
      return Float64Array.from(a);
  }
}

/** Returns `bytes` itself when its offset suits a typed-array view of `size`, else a copy. */
function alignedCopy(bytes: Uint8Array, size: number): Uint8Array {
  return bytes.byteOffset % size === 0 ? bytes : bytes.slice();
}
