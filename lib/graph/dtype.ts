/**
 * Tensor element types of the graph IR and their ONNX / TypedArray counterparts.
 *
 * @module
 */

/** Element types the kit's graphs use. */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int64"
  | "int32"
  | "uint8"
  | "bool";

/** ONNX `TensorProto.DataType` enum value of each dtype. */
export const ONNX_DTYPE: Readonly<Record<DType, number>> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};

/** Bytes per element. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

/** Whether a dtype is a floating-point type (the only ones that carry gradients). */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" ||
    dtype === "bfloat16";
}

/** Typed array that holds values of each host-representable dtype. */
export type HostArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | Uint16Array;

/** Creates a zero-filled host array for `n` elements of `dtype`. */
export function allocHost(dtype: DType, n: number): HostArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint8":
    case "bool":
      return new Uint8Array(n);
    case "float16":
    case "bfloat16":
      return new Uint16Array(n);
  }
}

/** Copies numbers into a host array of `dtype` (BigInt conversion for int64). */
export function toHost(dtype: DType, values: ArrayLike<number>): HostArray {
  const out = allocHost(dtype, values.length);
  if (out instanceof BigInt64Array) {
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  } else {
    (out as Float64Array).set(values);
  }
  return out;
}
