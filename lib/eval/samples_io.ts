/**
 * Reading completions produced elsewhere, for re-grading with `deno task eval --samples`:
 *
 * - evalplus: `{"task_id": "HumanEval/0", "completion": "..."}` or `{"task_id", "solution"}`
 *   (a whole program);
 * - MultiPL-E: `{"name": "HumanEval_23_strlen", "completion": "..."}` (or its result files'
 *   `"completions": [...]`);
 * - plain math: `{"id" or "idx", "response"}` (or `"responses": [...]`), plus `"answer"` when
 *   the record carries its own reference.
 *
 * Several lines for the same task are several samples of it, numbered in file order. Errors
 * name `file:line` and the field.
 *
 * @module
 */

import { z } from "zod";
import { DataFormatError, readMaybeGzipText } from "../data/jsonl.ts";

/** Which external format a line is in. */
export type SamplesFormat = "evalplus" | "multipl-e" | "math";

/** One completion to grade. */
export interface ExternalSample {
  /** The task id as written in the file (`String(idx)` for numeric ids). */
  id: string;
  /** Sample index within its task, in file order. */
  sample: number;
  /** The text to grade: a completion, a whole solution, or a math response. */
  response: string;
  /** True when `response` is a whole program (evalplus `solution`). */
  isSolution: boolean;
  /** The record's own gold answer (math), when present. */
  answer: string | null;
  /** The line it came from (1-based). */
  line: number;
  /** The format the line was read as. */
  format: SamplesFormat;
}

const text = z.string();
const answer = z.union([z.string(), z.number()]).optional();
const Evalplus = z.union([
  z.object({ task_id: z.string(), completion: text }),
  z.object({ task_id: z.string(), solution: text }),
]);
const MultiplE = z.union([
  z.object({ name: z.string(), completion: text }),
  z.object({ name: z.string(), completions: z.array(text) }),
]);
const MathId = z.union([z.string(), z.number().int().nonnegative()]);
const MathRecord = z.union([
  z.object({ id: MathId, response: text, answer }),
  z.object({ idx: MathId, response: text, answer }),
  z.object({ id: MathId, responses: z.array(text), answer }),
  z.object({ idx: MathId, responses: z.array(text), answer }),
]);

function formatOf(v: Record<string, unknown>): SamplesFormat | null {
  if ("task_id" in v) return "evalplus";
  if ("name" in v) return "multipl-e";
  if ("id" in v || "idx" in v) return "math";
  return null;
}

function fail(file: string, line: number, field: string | null, detail: string): never {
  throw new DataFormatError(file, line, field, detail);
}

function firstIssue(file: string, line: number, r: z.ZodSafeParseError<unknown>): never {
  const i = r.error.issues[0];
  // Unions report "invalid_union": name the fields each format needs instead.
  fail(file, line, i.path.length ? i.path.join(".") : null, i.message);
}

/**
 * Parses the lines of a samples file.
 *
 * @param content the file content
 * @param file the name used in messages
 * @returns one sample per completion, numbered per task in file order
 * @throws {DataFormatError} naming `file:line` for bad JSON, an unknown format or missing fields
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSamples } from "./samples_io.ts";
 * const s = parseSamples('{"task_id":"HumanEval/0","completion":"  return 1"}\n', "s.jsonl");
 * assert.deepEqual([s[0].id, s[0].sample, s[0].isSolution], ["HumanEval/0", 0, false]);
 * ```
 */
export function parseSamples(content: string, file: string): ExternalSample[] {
  const out: ExternalSample[] = [];
  const counts = new Map<string, number>();
  const push = (
    id: string,
    response: string,
    line: number,
    format: SamplesFormat,
    extra: { isSolution?: boolean; answer?: string | number },
  ) => {
    const sample = counts.get(id) ?? 0;
    counts.set(id, sample + 1);
    out.push({
      id,
      sample,
      response,
      isSolution: extra.isSolution ?? false,
      answer: extra.answer === undefined ? null : String(extra.answer),
      line,
      format,
    });
  };
  const lines = content.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    if (raw.trim() === "") continue;
    const lineNo = i + 1;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      fail(file, lineNo, null, `invalid JSON (${(e as Error).message})`);
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      fail(file, lineNo, null, "expected a JSON object");
    }
    const format = formatOf(v as Record<string, unknown>);
    if (format === "evalplus") {
      const r = Evalplus.safeParse(v);
      if (!r.success) {
        fail(
          file,
          lineNo,
          null,
          'evalplus format needs "task_id" and a string "completion" or "solution"',
        );
      }
      const d = r.data;
      if ("solution" in d) push(d.task_id, d.solution, lineNo, format, { isSolution: true });
      else push(d.task_id, d.completion, lineNo, format, {});
    } else if (format === "multipl-e") {
      const r = MultiplE.safeParse(v);
      if (!r.success) {
        fail(
          file,
          lineNo,
          null,
          'MultiPL-E format needs "name" and a string "completion" (or "completions")',
        );
      }
      const d = r.data;
      const all = "completions" in d ? d.completions : [d.completion];
      for (const c of all) push(d.name, c, lineNo, format, {});
    } else if (format === "math") {
      const r = MathRecord.safeParse(v);
      if (!r.success) {
        const bad = v as Record<string, unknown>;
        if (!("response" in bad) && !("responses" in bad)) {
          fail(file, lineNo, "response", 'math format needs a string "response" (or "responses")');
        }
        firstIssue(file, lineNo, r);
      }
      const d = r.data as Record<string, unknown> & { answer?: string | number };
      const id = String(d.id ?? d.idx);
      const all = "responses" in d ? d.responses as string[] : [d.response as string];
      for (const c of all) push(id, c, lineNo, format, { answer: d.answer });
    } else {
      fail(
        file,
        lineNo,
        null,
        'unknown format: expected "task_id" (evalplus), "name" (MultiPL-E) or "id"/"idx" (math)',
      );
    }
  }
  return out;
}

/**
 * Reads a samples file (JSONL, or JSONL.gz).
 *
 * @param path the file
 * @returns the samples
 * @throws {DataFormatError} naming `file:line`
 */
export async function readSamples(path: string): Promise<ExternalSample[]> {
  return parseSamples(await readMaybeGzipText(path), path);
}
