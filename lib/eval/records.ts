/**
 * Per-sample evaluation records (`OUT/<suite>.jsonl`): their schema, line-atomic appends and
 * crash-tolerant reading for resumable runs.
 *
 * One record per (task, sample): the suite's own task `id`, the `sample` index, the rendered
 * `prompt`, the `response`, the graded `extracted` answer, `correct` (null for chat suites,
 * which are scored with a reward model afterwards), `reason`, the number of generated
 * `tokens` and the generation `time_s`; Python code suites add evalplus' `base_status` and
 * `plus_status`.
 *
 * Appends write whole lines in one `write` on a file opened with O_APPEND, so a reader never
 * sees two records interleaved. A crash can still leave a torn last line (no newline, or
 * not JSON): {@link readRecords} drops it with a warning, and {@link repairTornTail} cuts it
 * off the file so that the next append starts on a fresh line. A malformed line anywhere
 * else is corruption and an error naming `file:line`.
 *
 * @module
 */

import { z } from "zod";
import { DataFormatError, parseJsonl } from "../data/jsonl.ts";

/** Schema of one record line. */
export const EvalRecordSchema = z.object({
  id: z.string(),
  sample: z.number().int().nonnegative(),
  prompt: z.string(),
  response: z.string(),
  extracted: z.string().nullable(),
  correct: z.boolean().nullable(),
  reason: z.string(),
  tokens: z.number().int().nonnegative(),
  time_s: z.number().nonnegative(),
  /** Why generation ended: `stop` (eos or a stop string) or `length` (max tokens). */
  finish_reason: z.enum(["stop", "length"]).optional(),
  /** Whether the code ran inside the sandbox (code suites only). */
  sandboxed: z.boolean().optional(),
  /** evalplus' status on the base tests (Python code suites): `pass`, `fail`, `timeout`. */
  base_status: z.enum(["pass", "fail", "timeout"]).optional(),
  /** evalplus' status on the plus tests; null where the suite has none (HumanEval here). */
  plus_status: z.enum(["pass", "fail", "timeout"]).nullable().optional(),
});

/** One evaluated sample. */
export type EvalRecord = z.infer<typeof EvalRecordSchema>;

/** Key of a record: `id` + sample index. */
export function recordKey(id: string, sample: number): string {
  return `${id}\u0000${sample}`;
}

/** What {@link readRecords} found. */
export interface ReadRecordsResult<T> {
  /** Valid records in file order. */
  records: T[];
  /** A torn last line was found (and is not in `records`). */
  torn: boolean;
  /** Byte length of the file up to the end of the last complete line. */
  validBytes: number;
  /** Messages about dropped lines. */
  warnings: string[];
}

const encoder = new TextEncoder();

/**
 * Parses record text, dropping a torn last line (missing newline, or not valid JSON for the
 * schema) with a warning; a bad line before the last is an error.
 *
 * @param text the file content
 * @param file the name used in messages
 * @param schema the record schema @default EvalRecordSchema
 * @returns records, whether the tail was torn, the byte length of the good part, warnings
 * @throws {DataFormatError} naming `file:line` for a malformed line that is not the last
 */
export function parseRecords<S extends z.ZodType = typeof EvalRecordSchema>(
  text: string,
  file: string,
  schema?: S,
): ReadRecordsResult<z.output<S>> {
  const sch = (schema ?? EvalRecordSchema) as S;
  const end = text.lastIndexOf("\n") + 1; // complete lines end at `end`
  const complete = text.slice(0, end);
  const tail = text.slice(end);
  const warnings: string[] = [];
  let records: z.output<S>[];
  let torn = tail.trim() !== "";
  let validBytes = encoder.encode(complete).length;
  try {
    records = parseJsonl(complete, file, sch).records;
  } catch (e) {
    if (!(e instanceof DataFormatError) || tail.trim() !== "") throw e;
    // Only the last complete line may be torn (a crash between its bytes and a later fsync).
    const lines = complete.split("\n");
    const lastLine = lines.length - 1; // 1-based number of the last complete line
    if (e.line !== lastLine) throw e;
    const keep = lines.slice(0, lastLine - 1).map((l) => l + "\n").join("");
    records = parseJsonl(keep, file, sch).records;
    validBytes = encoder.encode(keep).length;
    torn = true;
    const what = e.field === null ? e.detail : `field "${e.field}": ${e.detail}`;
    warnings.push(`${file}:${lastLine}: dropping a torn last line (${what})`);
    return { records, torn, validBytes, warnings };
  }
  if (torn) {
    const line = complete.split("\n").length;
    warnings.push(
      `${file}:${line}: dropping a torn last line without a newline (${tail.length} chars)`,
    );
  }
  return { records, torn, validBytes, warnings };
}

/**
 * Reads a record file; a missing file reads as empty.
 *
 * @param path the JSONL file
 * @param schema the record schema @default EvalRecordSchema
 * @returns records, torn-tail flag, good byte length, warnings
 */
export async function readRecords<S extends z.ZodType = typeof EvalRecordSchema>(
  path: string,
  schema?: S,
): Promise<ReadRecordsResult<z.output<S>>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { records: [], torn: false, validBytes: 0, warnings: [] };
    }
    throw e;
  }
  return parseRecords(text, path, schema);
}

/**
 * Cuts a file back to its last complete line (after {@link readRecords} reported `torn`).
 *
 * @param path the file
 * @param validBytes the byte length to keep
 */
export async function repairTornTail(path: string, validBytes: number): Promise<void> {
  await Deno.truncate(path, validBytes);
}

/**
 * Reads a record file for resuming: returns its records and, when the last line is torn,
 * prints the warning and truncates the file to its last complete line.
 *
 * @param path the JSONL file
 * @param options record schema; `warn` for messages @default console.warn
 * @returns the valid records
 */
export async function loadForResume<S extends z.ZodType = typeof EvalRecordSchema>(
  path: string,
  options: { schema?: S; warn?: (message: string) => void } = {},
): Promise<z.output<S>[]> {
  const r = await readRecords(path, options.schema);
  for (const w of r.warnings) (options.warn ?? console.warn)(`WARNING: ${w}`);
  if (r.torn) await repairTornTail(path, r.validBytes);
  return r.records;
}

/**
 * Appends values as JSON lines in a single write on an O_APPEND file (created if missing):
 * concurrent readers see either none or all of the lines.
 *
 * @param path the JSONL file
 * @param values the values to append (one line each)
 */
export async function appendJsonLines(path: string, values: readonly unknown[]): Promise<void> {
  if (values.length === 0) return;
  const bytes = encoder.encode(values.map((v) => JSON.stringify(v) + "\n").join(""));
  const f = await Deno.open(path, { append: true, create: true });
  try {
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
  } finally {
    f.close();
  }
}
