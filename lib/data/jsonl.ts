/**
 * JSONL and gzip JSONL reading with a zod schema per record.
 *
 * Every non-blank line must be one JSON value that satisfies the schema. A line that does
 * not is a {@link DataFormatError} naming `file:line`, the field and what was expected; with
 * `skipMalformed` the line is skipped and the same message is returned as a warning.
 *
 * @module
 */

import type { z } from "zod";

/** A malformed JSONL line: bad JSON or a record that does not fit the schema. */
export class DataFormatError extends Error {
  /**
   * @param file the file (as given to the reader)
   * @param line 1-based line number
   * @param field the offending field path (`prompt[0].content`), or null for bad JSON
   * @param detail what was expected and what was found
   */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | null,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${field === null ? "" : `field "${field}": `}${detail}`);
    this.name = "DataFormatError";
  }
}

/** Options for {@link readJsonl} and {@link parseJsonl}. */
export interface JsonlOptions {
  /** Skip malformed lines (each reported in `warnings`) instead of throwing. @default false */
  skipMalformed?: boolean;
  /** Stop after this many valid records. */
  limit?: number;
}

/** Records read from a JSONL file, with the 1-based line of each and warnings for skipped lines. */
export interface JsonlResult<T> {
  /** The valid records, in file order. */
  records: T[];
  /** The line number of each record (same index as `records`). */
  lines: number[];
  /** One message (`file:line: field "x": expected ...`) per skipped line. */
  warnings: string[];
}

function typeName(v: unknown): string {
  if (v === undefined) return "nothing (field missing)";
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function at(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function fieldPath(path: PropertyKey[]): string {
  let s = "";
  for (const k of path) {
    s += typeof k === "number" ? `[${k}]` : (s === "" ? String(k) : `.${String(k)}`);
  }
  return s === "" ? "(record)" : s;
}

/** Turns the first zod issue into a field path and an "expected X, got Y" sentence. */
function describeIssue(issue: z.core.$ZodIssue, value: unknown): [string, string] {
  const field = fieldPath(issue.path);
  const found = at(value, issue.path);
  switch (issue.code) {
    case "invalid_type":
      return [field, `expected ${issue.expected}, got ${typeName(found)}`];
    case "invalid_value":
      return [
        field,
        `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${
          JSON.stringify(found)
        }`,
      ];
    case "unrecognized_keys":
      return [field, `unexpected key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`];
    default:
      return [field, `${issue.message} (got ${JSON.stringify(found)?.slice(0, 80)})`];
  }
}

/**
 * Parses JSONL text record by record against a schema.
 *
 * @param text the file content
 * @param file the name used in messages (`gsm8k/test.jsonl`)
 * @param schema the zod schema of one record
 * @param options `skipMalformed`, `limit`
 * @returns the records, their line numbers and warnings for skipped lines
 * @throws {DataFormatError} on the first malformed line unless `skipMalformed`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "zod";
 * import { parseJsonl } from "./jsonl.ts";
 * const r = parseJsonl('{"a":1}\n{"a":"x"}\n', "t.jsonl", z.object({ a: z.number() }), { skipMalformed: true });
 * assert.deepEqual(r.records, [{ a: 1 }]);
 * assert.equal(r.warnings[0], 't.jsonl:2: field "a": expected number, got string');
 * ```
 */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: JsonlOptions = {},
): JsonlResult<z.output<S>> {
  const result: JsonlResult<z.output<S>> = { records: [], lines: [], warnings: [] };
  const limit = options.limit ?? Infinity;
  let start = 0;
  let lineNo = 0;
  while (start <= text.length && result.records.length < limit) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).replace(/\r$/, "");
    start = end + 1;
    if (line.trim() === "") {
      if (end === text.length) break;
      continue;
    }
    let error: DataFormatError | null = null;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      error = new DataFormatError(file, lineNo, null, `invalid JSON (${(e as Error).message})`);
    }
    if (error === null) {
      const parsed = schema.safeParse(value);
      if (parsed.success) {
        result.records.push(parsed.data);
        result.lines.push(lineNo);
      } else {
        const [field, detail] = describeIssue(parsed.error.issues[0], value);
        error = new DataFormatError(file, lineNo, field, detail);
      }
    }
    if (error !== null) {
      if (!options.skipMalformed) throw error;
      result.warnings.push(error.message);
    }
    if (end === text.length) break;
  }
  return result;
}

/**
 * Reads a file as text, gunzipping it when its name ends in `.gz`.
 *
 * @param path the file
 * @returns the UTF-8 text
 */
export async function readMaybeGzipText(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  if (!path.endsWith(".gz")) return new TextDecoder().decode(bytes);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

/**
 * Reads a JSONL or JSONL.gz file against a schema.
 *
 * @param path the file (`.gz` is decompressed)
 * @param schema the zod schema of one record
 * @param options `skipMalformed`, `limit`, and `name` for messages (defaults to `path`)
 * @returns the records, their line numbers and warnings for skipped lines
 * @throws {DataFormatError} on the first malformed line unless `skipMalformed`
 */
export async function readJsonl<S extends z.ZodType>(
  path: string,
  schema: S,
  options: JsonlOptions & { name?: string } = {},
): Promise<JsonlResult<z.output<S>>> {
  const text = await readMaybeGzipText(path);
  return parseJsonl(text, options.name ?? path, schema, options);
}
