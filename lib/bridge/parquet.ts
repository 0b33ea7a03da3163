/**
 * verl's RL data files: Parquet with the columns verl's `RLHFDataset` reads, in the types
 * HF `datasets` / pyarrow give verl's own preprocessing scripts (`examples/data_preprocess/`):
 *
 * ```
 * data_source   string
 * prompt        list<element: struct<content: string, role: string>>
 * ability       string
 * reward_model  struct<ground_truth: string, style: string>
 * extra_info    struct<...>   the union of the records' keys; int64, double, bool or string
 *                             (nested values as JSON text); `index` always present
 * ```
 *
 * Written with `hyparquet-writer` (explicit nested schema, 3-level LIST as the Parquet spec
 * and pyarrow write it).
 *
 * @module
 */

import { parquetWriteBuffer } from "hyparquet-writer";

/** One chat message of a prompt. */
export interface VerlMessage {
  /** `system`, `user` or `assistant`. */
  role: string;
  /** The text. */
  content: string;
}

/** One row of verl's RL data schema. */
export interface VerlRow {
  /** Picks verl's scorer (`default_compute_score`) and names validation metrics. */
  data_source: string;
  /** The conversation. */
  prompt: VerlMessage[];
  /** `general`, `math`, `code`, ... */
  ability: string;
  /** `style` (`model` | `rule`) and `ground_truth` (text; "" when none). */
  reward_model: { style: string; ground_truth: string };
  /** Scalars only (see the module doc); `index` is added when absent. */
  extra_info: Record<string, string | number | boolean | null>;
}

type Leaf = "INT64" | "DOUBLE" | "BOOLEAN" | "UTF8";

const str = (name: string) => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "OPTIONAL",
});

function leafElement(name: string, t: Leaf) {
  return t === "UTF8" ? str(name) : { name, type: t, repetition_type: "OPTIONAL" };
}

/** The Parquet type of one extra_info key over all rows (mixed types become text). */
function extraType(values: unknown[]): Leaf {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === "boolean")) return "BOOLEAN";
  if (present.length > 0 && present.every((v) => typeof v === "number" && Number.isInteger(v))) {
    return "INT64";
  }
  if (present.length > 0 && present.every((v) => typeof v === "number")) return "DOUBLE";
  return "UTF8";
}

function extraValue(v: unknown, t: Leaf): unknown {
  if (v === null || v === undefined) return null;
  if (t === "INT64") return BigInt(v as number);
  if (t === "UTF8") return typeof v === "string" ? v : JSON.stringify(v);
  return v;
}

/**
 * Encodes rows as one Parquet file in verl's RL data schema.
 *
 * @param rows the rows (at least one)
 * @returns the file's bytes
 * @throws when there are no rows, or a row has an empty prompt (naming its index)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeVerlParquet } from "./parquet.ts";
 * const bytes = encodeVerlParquet([{
 *   data_source: "builtin:smoke", prompt: [{ role: "user", content: "Describe apples." }],
 *   ability: "general", reward_model: { style: "model", ground_truth: "" }, extra_info: {},
 * }]);
 * assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "PAR1");
 * ```
 */
export function encodeVerlParquet(rows: readonly VerlRow[]): Uint8Array {
  if (rows.length === 0) throw new Error("verl parquet: no rows to write");
  rows.forEach((r, i) => {
    if (r.prompt.length === 0) throw new Error(`verl parquet: row ${i}: prompt is empty`);
  });
  const extras: Record<string, unknown>[] = rows.map((r, i) => ({ index: i, ...r.extra_info }));
  const keys = [...new Set(extras.flatMap((e) => Object.keys(e)))].sort();
  const types = new Map(keys.map((k) => [k, extraType(extras.map((e) => e[k]))]));
  const schema = [
    { name: "schema", num_children: 5 },
    str("data_source"),
    { name: "prompt", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
    str("content"),
    str("role"),
    str("ability"),
    { name: "reward_model", repetition_type: "OPTIONAL", num_children: 2 },
    str("ground_truth"),
    str("style"),
    { name: "extra_info", repetition_type: "OPTIONAL", num_children: keys.length },
    ...keys.map((k) => leafElement(k, types.get(k)!)),
  ];
  const buf = parquetWriteBuffer({
    schema,
    columnData: [
      { name: "data_source", data: rows.map((r) => r.data_source) },
      {
        name: "prompt",
        data: rows.map((r) => r.prompt.map((m) => ({ content: m.content, role: m.role }))),
      },
      { name: "ability", data: rows.map((r) => r.ability) },
      {
        name: "reward_model",
        data: rows.map((r) => ({
          ground_truth: r.reward_model.ground_truth,
          style: r.reward_model.style,
        })),
      },
      {
        name: "extra_info",
        data: extras.map((e) =>
          Object.fromEntries(keys.map((k) => [k, extraValue(e[k], types.get(k)!)]))
        ),
      },
    ],
    // deno-lint-ignore no-explicit-any
  } as any);
  return new Uint8Array(buf);
}

/**
 * Writes rows as a Parquet file in verl's RL data schema.
 *
 * @param path the file (its directory must exist)
 * @param rows the rows
 */
export async function writeVerlParquet(path: string, rows: readonly VerlRow[]): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = encodeVerlParquet(rows);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  await Deno.writeFile(path, bytes);
}
