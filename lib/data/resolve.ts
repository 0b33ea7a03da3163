/**
 * Finding a data file of the manifest on this machine, downloading it when needed.
 *
 * Order: a local mirror directory laid out like `../shared/data` (`dataDir`, else
 * `GRLO_DATA_DIR`) -> the cache (`cacheDir`, else `GRLO_CACHE_DIR`, else
 * `~/.cache/grlo-kit/data`) -> download from the manifest URL into the cache (sha256
 * verified, atomic). Files found locally are verified too: a mirror with a wrong hash is an
 * error; a cached copy with a wrong hash is downloaded again.
 *
 * @module
 */

import { join } from "node:path";
import type { z } from "zod";
import { type DatasetFile, type DatasetManifest, getDatasetFile, MANIFEST } from "./manifest.ts";
import { ChecksumError, type DownloadProgress, downloadVerified } from "./download.ts";
import { sha256File } from "../util/hash.ts";
import { type JsonlResult, readJsonl } from "./jsonl.ts";

/** Where to look for data files and how to fetch missing ones. */
export interface ResolveOptions {
  /** Local mirror directory (`<folder>/<file>` inside). @default env GRLO_DATA_DIR */
  dataDir?: string;
  /** Download cache directory. @default env GRLO_CACHE_DIR, else ~/.cache/grlo-kit/data */
  cacheDir?: string;
  /** Never download; fail naming the file, URL and the mirror option instead. @default env GRLO_OFFLINE=1 */
  offline?: boolean;
  /** Download progress callback. */
  onProgress?: (p: DownloadProgress) => void;
  /** Notes such as "cached copy was corrupt, downloading again". @default console.warn */
  onWarning?: (message: string) => void;
  /** Manifest to resolve against (tests). @default MANIFEST */
  manifest?: DatasetManifest;
  /** fetch implementation (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A data file present on disk with a verified hash. */
export interface ResolvedFile {
  /** Absolute or relative path of the verified file. */
  path: string;
  /** Where it was found. */
  from: "mirror" | "cache" | "download";
  /** Its manifest entry. */
  entry: DatasetFile;
}

/** A data file that is nowhere local and could not be downloaded. */
export class DataUnavailableError extends Error {
  /**
   * @param id `folder/file`
   * @param message the full explanation
   */
  constructor(readonly id: string, message: string) {
    super(message);
    this.name = "DataUnavailableError";
  }
}

/**
 * The default download cache directory.
 *
 * @returns `GRLO_CACHE_DIR`, else `~/.cache/grlo-kit/data`
 */
export function defaultCacheDir(): string {
  const env = Deno.env.get("GRLO_CACHE_DIR");
  if (env) return env;
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
  return join(home, ".cache", "grlo-kit", "data");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Finds (or downloads) one data file of the manifest and verifies its sha256.
 *
 * @param id `folder/file`, e.g. `gsm8k/test.jsonl`
 * @param options mirror, cache, offline mode, progress
 * @returns the verified file and where it came from
 * @throws {ChecksumError} when the mirror copy or the download has the wrong hash;
 *   {@link DataUnavailableError} when offline (or the download fails) and no local copy exists
 */
export async function resolveDataFile(
  id: string,
  options: ResolveOptions = {},
): Promise<ResolvedFile> {
  const entry = getDatasetFile(id, options.manifest ?? MANIFEST);
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const mirror = options.dataDir ?? Deno.env.get("GRLO_DATA_DIR") ?? undefined;
  if (mirror) {
    const path = join(mirror, entry.folder, entry.file);
    if (await isFile(path)) {
      const actual = await sha256File(path);
      if (actual !== entry.sha256) throw new ChecksumError(id, entry.sha256, actual, path);
      return { path, from: "mirror", entry };
    }
  }
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const cached = join(cacheDir, entry.folder, entry.file);
  if (await isFile(cached)) {
    const actual = await sha256File(cached);
    if (actual === entry.sha256) return { path: cached, from: "cache", entry };
    warn(`cached ${id} has sha256 ${actual}, expected ${entry.sha256}; downloading it again`);
  }
  const where = mirror
    ? `not in the mirror dir ${mirror}`
    : "no mirror dir set (GRLO_DATA_DIR, --mirror DIR or the dataDir option)";
  const hint =
    `Offline? Point GRLO_DATA_DIR (or --mirror DIR, or the dataDir option) at a directory ` +
    `laid out like ../shared/data (<folder>/<file>, here ${id}).`;
  const offline = options.offline ?? Deno.env.get("GRLO_OFFLINE") === "1";
  if (offline) {
    throw new DataUnavailableError(
      id,
      `cannot get ${id}: ${where}, not in the cache ${cached}, and downloading from ${entry.url} ` +
        `is disabled (offline mode). ${hint}`,
    );
  }
  try {
    await downloadVerified(entry.url, cached, {
      sha256: entry.sha256,
      label: id,
      bytes: entry.source?.bytes ?? entry.bytes,
      transform: entry.transform,
      sourceSha256: entry.source?.sha256,
      onProgress: options.onProgress,
      fetch: options.fetch,
    });
  } catch (e) {
    if (e instanceof ChecksumError) throw e;
    throw new DataUnavailableError(
      id,
      `cannot get ${id}: ${where}, not in the cache ${cached}, and ${
        (e as Error).message
      }. ${hint}`,
    );
  }
  return { path: cached, from: "download", entry };
}

/** Options for {@link loadDataset}. */
export interface LoadDatasetOptions extends ResolveOptions {
  /** Skip malformed lines (returned as warnings) instead of throwing. @default false */
  skipMalformed?: boolean;
  /** Keep only the first `limit` records. */
  limit?: number;
}

/**
 * Resolves a JSONL (or JSONL.gz) data file of the manifest and reads it against a schema.
 *
 * @param id `folder/file`
 * @param schema zod schema of one record
 * @param options resolution and reading options
 * @returns records, their line numbers, warnings for skipped lines, and the resolved file
 *
 * @example
 * ```ts ignore
 * const { records } = await loadDataset("gsm8k/test.jsonl", z.object({ question: z.string(), answer: z.string() }));
 * ```
 */
export async function loadDataset<S extends z.ZodType>(
  id: string,
  schema: S,
  options: LoadDatasetOptions = {},
): Promise<JsonlResult<z.output<S>> & { file: ResolvedFile }> {
  const file = await resolveDataFile(id, options);
  const result = await readJsonl(file.path, schema, {
    name: file.path,
    skipMalformed: options.skipMalformed,
    limit: options.limit,
  });
  return { ...result, file };
}
