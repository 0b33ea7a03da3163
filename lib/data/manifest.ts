/**
 * The manifest of external data files (`data/datasets.json`): for each benchmark file its
 * folder and name (the layout of a local mirror such as `../shared/data`), the public raw
 * URL at a fixed commit, its sha256, size and row count. Validated once, at import.
 *
 * @module
 */

import { z } from "zod";
import manifestJson from "../../data/datasets.json" with { type: "json" };

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex sha256");

const FileSchema = z.strictObject({
  folder: z.string().regex(/^[a-z0-9-]+$/),
  file: z.string().regex(/^[A-Za-z0-9._-]+$/),
  rows: z.number().int().positive(),
  bytes: z.number().int().positive(),
  sha256,
  url: z.url(),
  repository: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  path: z.string(),
  description: z.string(),
  source: z.strictObject({ sha256, bytes: z.number().int().positive() }).optional(),
  transform: z.strictObject({
    replace: z.string().min(1),
    with: z.string(),
    count: z.number().int().positive(),
  }).optional(),
});

const ManifestSchema = z.strictObject({
  description: z.string(),
  files: z.array(FileSchema).min(1),
});

/**
 * One external data file.
 *
 * When `transform` is present the downloaded file (checked against `source`) is rewritten by
 * replacing exactly `count` occurrences of `replace` with `with` in its text, and the result
 * is checked against `sha256`.
 */
export type DatasetFile = z.infer<typeof FileSchema>;

/** The validated manifest. */
export type DatasetManifest = z.infer<typeof ManifestSchema>;

/**
 * Validates a manifest value.
 *
 * @param value parsed JSON
 * @param name where it came from, for messages
 * @returns the manifest
 * @throws when a field is missing or malformed (naming the field)
 */
export function parseManifest(value: unknown, name = "data/datasets.json"): DatasetManifest {
  const r = ManifestSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${name}: field "${i.path.join(".")}": ${i.message}`);
  }
  const seen = new Set<string>();
  for (const f of r.data.files) {
    const id = datasetId(f);
    if (seen.has(id)) throw new Error(`${name}: duplicate entry ${id}`);
    seen.add(id);
  }
  return r.data;
}

/**
 * The id of a data file: `folder/file`, its relative path in a mirror or cache directory.
 *
 * @param f the manifest entry
 * @returns `folder/file`
 */
export function datasetId(f: Pick<DatasetFile, "folder" | "file">): string {
  return `${f.folder}/${f.file}`;
}

/** The project's manifest, `data/datasets.json`. */
export const MANIFEST: DatasetManifest = parseManifest(manifestJson);

/**
 * Looks up a data file by id.
 *
 * @param id `folder/file`, e.g. `gsm8k/test.jsonl`
 * @param manifest the manifest to search @default MANIFEST
 * @returns the entry
 * @throws naming the known ids when `id` is unknown
 */
export function getDatasetFile(id: string, manifest: DatasetManifest = MANIFEST): DatasetFile {
  const f = manifest.files.find((e) => datasetId(e) === id);
  if (f === undefined) {
    throw new Error(
      `unknown data file "${id}"; known: ${manifest.files.map(datasetId).join(", ")}`,
    );
  }
  return f;
}
