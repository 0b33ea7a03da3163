/**
 * Reading run files strictly for analysis: JSON and JSONL with errors that name the file and
 * line, a torn last JSONL line (a killed writer) dropped with a warning, and column tables
 * built with a fixed column list so that an empty table still has its columns.
 *
 * @module
 */

import * as aq from "arquero";

/** A missing or malformed run file: the message names the file (and line) and the problem. */
export class RunFormatError extends Error {
  /**
   * @param file the file (or directory) at fault
   * @param problem what is wrong with it
   * @param line the 1-based line, for JSONL files
   */
  constructor(readonly file: string, problem: string, readonly line?: number) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${problem}`);
    this.name = "RunFormatError";
  }
}

/**
 * Reads a text file of a run.
 *
 * @param file the path
 * @returns its text
 * @throws {RunFormatError} when it is missing or unreadable
 */
async function readRunText(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    throw new RunFormatError(
      file,
      e instanceof Deno.errors.NotFound ? "missing" : (e as Error).message,
    );
  }
}

/**
 * Reads a JSON object file.
 *
 * @param file the path
 * @returns the parsed object
 * @throws {RunFormatError} when it is missing, not JSON, or not an object
 */
export async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  const text = await readRunText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RunFormatError(file, `not JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RunFormatError(file, "expected a JSON object");
  }
  return value as Record<string, unknown>;
}

/** A JSONL line's object and its 1-based line number. */
export interface JsonlLine {
  /** The parsed object. */
  value: Record<string, unknown>;
  /** 1-based line number in the file. */
  line: number;
}

/**
 * Reads a JSONL file of objects; blank lines are skipped, a torn last line (no newline and
 * not JSON) is dropped with a warning, any other bad line is an error.
 *
 * @param file the path
 * @param warnings where the warning about a torn last line goes
 * @returns the lines in file order
 * @throws {RunFormatError} naming `file:line`
 */
export async function readJsonl(file: string, warnings: string[]): Promise<JsonlLine[]> {
  const text = await readRunText(file);
  const lines = text.split("\n");
  const out: JsonlLine[] = [];
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === "") continue;
    let value: unknown;
    let bad: string | null = null;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      bad = `not JSON (${(e as Error).message})`;
    }
    if (bad === null && (value === null || typeof value !== "object" || Array.isArray(value))) {
      bad = "expected a JSON object";
    }
    const tornTail = i === lines.length - 1 && !text.endsWith("\n");
    if (bad !== null && tornTail) warnings.push(`${file}:${i + 1}: torn last line dropped`);
    else if (bad !== null) throw new RunFormatError(file, bad, i + 1);
    else out.push({ value: value as Record<string, unknown>, line: i + 1 });
  }
  return out;
}

/**
 * Builds a column table from row objects with the given columns (missing fields are null),
 * so a table without rows still has every column.
 *
 * @param rows the rows
 * @param columns the column names, in order
 * @returns the table
 */
export function tableOf(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): aq.ColumnTable {
  const cols: Record<string, unknown[]> = {};
  for (const c of columns) cols[c] = rows.map((r) => r[c] ?? null);
  return aq.table(cols);
}

/**
 * The rows of a table as plain objects.
 *
 * @param table the table
 * @returns its rows
 */
export function rowsOf<T = Record<string, unknown>>(table: aq.ColumnTable): T[] {
  return table.objects() as T[];
}
