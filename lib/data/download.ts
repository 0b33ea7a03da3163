/**
 * Downloading a file over HTTP(S) with progress, sha256 verification and an atomic write.
 *
 * The body streams into a temporary file beside the target while it is hashed; only a
 * complete file with the expected hash is renamed into place. An interrupted or corrupt
 * download leaves neither a partial target nor a temporary file behind, so the next run
 * simply starts again.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { withAtomicFile } from "../util/atomic.ts";
import { sha256Hex } from "../util/hash.ts";

/** Progress of one download, reported after every chunk and once at the end. */
export interface DownloadProgress {
  /** What is being downloaded (`gsm8k/test.jsonl`). */
  label: string;
  /** Bytes received so far. */
  received: number;
  /** Expected bytes (Content-Length or the manifest), or null when unknown. */
  total: number | null;
  /** True on the final report. */
  done: boolean;
}

/** A file whose sha256 is not the expected one. */
export class ChecksumError extends Error {
  /**
   * @param file the file (label or path)
   * @param expected the expected hex sha256
   * @param actual the actual hex sha256
   * @param where where the bad copy came from (a URL or a path)
   */
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    readonly where: string,
  ) {
    super(`sha256 mismatch for ${file} (from ${where}): expected ${expected}, got ${actual}`);
    this.name = "ChecksumError";
  }
}

/** A download that could not complete (network error or HTTP status). */
export class DownloadError extends Error {
  /**
   * @param url the URL
   * @param reason what went wrong
   */
  constructor(readonly url: string, readonly reason: string) {
    super(`download from ${url} failed: ${reason}`);
    this.name = "DownloadError";
  }
}

/** A text rewrite applied after download (see `DatasetFile.transform`). */
export interface TextTransform {
  /** Exact text to replace. */
  replace: string;
  /** Replacement. */
  with: string;
  /** Required number of occurrences. */
  count: number;
}

/** Options for {@link downloadVerified}. */
export interface DownloadOptions {
  /** Expected sha256 (hex) of the final file. */
  sha256: string;
  /** Name used in progress and errors. @default the URL */
  label?: string;
  /** Expected size in bytes of the downloaded body, used when there is no Content-Length. */
  bytes?: number;
  /** Rewrite applied to the downloaded text before the final check. */
  transform?: TextTransform;
  /** Expected sha256 of the body before `transform`. */
  sourceSha256?: string;
  /** Progress callback. */
  onProgress?: (p: DownloadProgress) => void;
  /** The fetch implementation (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Streams `url` into `path`, hashing as it goes. */
async function fetchToFile(
  url: string,
  path: string,
  label: string,
  options: DownloadOptions,
): Promise<string> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (e) {
    throw new DownloadError(url, (e as Error).message);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new DownloadError(url, `HTTP ${response.status} ${response.statusText}`.trim());
  }
  const header = Number(response.headers.get("content-length"));
  const total = Number.isFinite(header) && header > 0 ? header : options.bytes ?? null;
  const hash = createHash("sha256");
  let received = 0;
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    for await (const chunk of response.body) {
      hash.update(chunk);
      let off = 0;
      while (off < chunk.length) off += await file.write(chunk.subarray(off));
      received += chunk.length;
      options.onProgress?.({ label, received, total, done: false });
    }
  } catch (e) {
    throw new DownloadError(
      url,
      `connection lost after ${received} bytes (${(e as Error).message})`,
    );
  }
  if (total !== null && header > 0 && received !== header) {
    throw new DownloadError(url, `got ${received} of ${header} bytes`);
  }
  options.onProgress?.({ label, received, total, done: true });
  return hash.digest("hex");
}

/**
 * Applies a text transform, requiring exactly `count` occurrences.
 *
 * @param text the text
 * @param t the transform
 * @param label for errors
 * @returns the rewritten text
 */
export function applyTransform(text: string, t: TextTransform, label: string): string {
  const parts = text.split(t.replace);
  if (parts.length - 1 !== t.count) {
    throw new Error(
      `${label}: expected ${t.count} occurrence(s) of ${JSON.stringify(t.replace)}, found ${
        parts.length - 1
      }`,
    );
  }
  return parts.join(t.with);
}

/**
 * Downloads `url` to `dest`, verifies its sha256 (and applies the transform, if any), and
 * moves it into place atomically. Parent directories are created.
 *
 * @param url the URL
 * @param dest the final path
 * @param options expected hash, label, transform, progress callback
 * @throws {DownloadError} on network/HTTP failure; {@link ChecksumError} on a hash mismatch;
 *   in both cases `dest` is untouched and no temporary file remains
 */
export async function downloadVerified(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<void> {
  const label = options.label ?? url;
  await Deno.mkdir(dirname(dest), { recursive: true });
  await withAtomicFile(dest, async (tmp) => {
    const bodyHash = await fetchToFile(url, tmp, label, options);
    if (options.transform === undefined) {
      if (bodyHash !== options.sha256) {
        throw new ChecksumError(label, options.sha256, bodyHash, url);
      }
      return;
    }
    if (options.sourceSha256 !== undefined && bodyHash !== options.sourceSha256) {
      throw new ChecksumError(
        `${label} (before its transform)`,
        options.sourceSha256,
        bodyHash,
        url,
      );
    }
    const text = applyTransform(await Deno.readTextFile(tmp), options.transform, label);
    const bytes = new TextEncoder().encode(text);
    const finalHash = sha256Hex(bytes);
    if (finalHash !== options.sha256) {
      throw new ChecksumError(label, options.sha256, finalHash, url);
    }
    await Deno.writeFile(tmp, bytes);
  });
}
