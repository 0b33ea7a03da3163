/**
 * sha256 as lowercase hex, of text, bytes, a sequence of byte arrays, or a file (streamed).
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * The sha256 of `data` (text is UTF-8 encoded; several byte arrays hash as their
 * concatenation).
 *
 * @param data text, bytes, or byte arrays in order
 * @returns the lowercase hex digest
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { sha256Hex } from "./hash.ts";
 * const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
 * strictEqual(sha256Hex("abc"), abc);
 * strictEqual(sha256Hex([new Uint8Array([97]), new TextEncoder().encode("bc")]), abc);
 * ```
 */
export function sha256Hex(data: string | Uint8Array | readonly Uint8Array[]): string {
  const hash = createHash("sha256");
  if (typeof data === "string" || data instanceof Uint8Array) hash.update(data);
  else for (const part of data) hash.update(part);
  return hash.digest("hex");
}

/**
 * The sha256 of a file, read in chunks.
 *
 * @param path the file
 * @returns the lowercase hex digest
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}
