/**
 * Pre-training corpora: a plain-text file (documents separated by one or more blank lines)
 * or a JSONL / JSONL.gz file of `{"text": "..."}` records (one document per line, other keys
 * ignored). A file that is missing, empty, or has a line without a string `text` is refused
 * naming `file:line` and the field.
 *
 * @module
 */

import { z } from "zod";
import { readJsonl, readMaybeGzipText } from "../data/jsonl.ts";

const textRecord = z.looseObject({ text: z.string() });

/**
 * Reads a corpus as a list of documents (see the module doc for the formats).
 *
 * @param path a `.txt` file, or a `.jsonl` / `.jsonl.gz` file of `{"text"}` records
 * @returns the non-empty documents in file order
 * @throws when the file is missing or holds no document, or a JSONL line is malformed
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCorpus } from "./corpus.ts";
 * const f = await Deno.makeTempFile({ suffix: ".txt" });
 * await Deno.writeTextFile(f, "one doc\nstill one\n\n\nsecond doc\n");
 * assert.deepEqual(await loadCorpus(f), ["one doc\nstill one", "second doc"]);
 * await Deno.remove(f);
 * ```
 */
export async function loadCorpus(path: string): Promise<string[]> {
  let docs: string[];
  try {
    if (/\.jsonl(\.gz)?$/.test(path)) {
      docs = (await readJsonl(path, textRecord)).records.map((r) => r.text);
    } else {
      docs = (await readMaybeGzipText(path)).split(/\r?\n(?:[ \t]*\r?\n)+/).map((d) => d.trim());
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${path}: no such corpus file`);
    throw e;
  }
  docs = docs.filter((d) => d.trim() !== "");
  if (docs.length === 0) throw new Error(`${path}: the corpus holds no document`);
  return docs;
}
