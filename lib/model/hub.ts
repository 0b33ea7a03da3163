/**
 * Downloading model repositories from the Hugging Face hub into a cache laid out like
 * `huggingface_hub`'s: `$HF_HUB_CACHE/models--org--name/{refs/<revision>, snapshots/<commit>/<file>}`
 * (files are stored directly in the snapshot, as huggingface_hub does where symlinks are off).
 *
 * HTTP layout used (the hub's public API): `GET {endpoint}/api/models/{repo}/revision/{rev}`
 * -> `{sha, siblings: [{rfilename}]}`, and `GET {endpoint}/{repo}/resolve/{commit}/{file}`.
 * Environment: `HF_ENDPOINT`, `HF_HOME`, `HF_HUB_CACHE`, `HF_TOKEN` (sent as a Bearer token to
 * the endpoint's origin only), `HF_HUB_OFFLINE`.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { createProgress } from "../util/progress.ts";
import { writeTextFileAtomic } from "../util/atomic.ts";
import { SAFETENSORS_INDEX, SAFETENSORS_SINGLE } from "./safetensors_sharded.ts";
import { pathExists } from "../util/fs.ts";

/** Options for {@link downloadModel}. */
export interface DownloadOptions {
  /** Branch, tag or commit. @default "main" */
  revision?: string;
  /** Exact files to fetch; by default every listed file matching {@link isModelFile}. */
  files?: string[];
  /** Cache root (the `hub` directory). @default {@link hubCacheDir}() */
  cacheDir?: string;
  /** Hub URL. @default $HF_ENDPOINT or https://huggingface.co */
  endpoint?: string;
  /** Access token; null sends none. @default $HF_TOKEN */
  token?: string | null;
  /** Use only the cache. @default $HF_HUB_OFFLINE is 1/true/yes/on */
  offline?: boolean;
  /** Progress to stderr (true), nowhere (false), or to a writer. @default true */
  progress?: boolean | ((text: string) => void);
}

const env = (k: string): string | undefined => Deno.env.get(k) || undefined;

/**
 * The hub cache root: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
 * `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 *
 * @returns the directory path
 */
export function hubCacheDir(): string {
  const hub = env("HF_HUB_CACHE");
  if (hub) return hub;
  const home = env("HF_HOME") ??
    join(env("XDG_CACHE_HOME") ?? join(env("HOME") ?? ".", ".cache"), "huggingface");
  return join(home, "hub");
}

/**
 * The cache folder of one model repository (`models--org--name`).
 *
 * @param cacheDir the hub cache root
 * @param repo `org/name`
 * @returns the folder path
 */
export function repoCacheDir(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.replaceAll("/", "--")}`);
}

/**
 * Whether a repository file is one the kit uses: configs, safetensors weights and index,
 * tokenizer files, chat template.
 *
 * @param file repository-relative path
 * @returns true to download it by default
 */
export function isModelFile(file: string): boolean {
  if (file.includes("/")) return false;
  return file.endsWith(".safetensors") || file === SAFETENSORS_INDEX || file === "config.json" ||
    file === "generation_config.json" || file.startsWith("tokenizer") ||
    file === "special_tokens_map.json" ||
    file === "added_tokens.json" || file === "vocab.json" || file === "merges.txt" ||
    file === "chat_template.jinja";
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

function checkRepo(repo: string): void {
  if (!/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repo) || repo.includes("..")) {
    throw new Error(`hub: invalid repository id "${repo}" (expected "org/name")`);
  }
}

function checkFile(file: string): void {
  if (file.startsWith("/") || file.split("/").some((p) => p === ".." || p === "")) {
    throw new Error(`hub: invalid file path "${file}"`);
  }
}

/**
 * Makes a model repository's files available locally and returns the snapshot directory.
 * A path to an existing local directory is returned as is. Online, missing files are
 * downloaded (files already in the snapshot are kept); offline or when the hub cannot be
 * reached, the cache must already hold them.
 *
 * @param repo `org/name`, or a local model directory
 * @param options revision, files, cache, endpoint, token, offline, progress
 * @returns the directory holding the files
 * @throws Error listing exactly which files are missing and where to put them
 */
export async function downloadModel(repo: string, options: DownloadOptions = {}): Promise<string> {
  try {
    if ((await Deno.stat(repo)).isDirectory) return repo;
  } catch { /* not a local directory */ }
  checkRepo(repo);
  const revision = options.revision ?? "main";
  const cacheDir = options.cacheDir ?? hubCacheDir();
  const endpoint = (options.endpoint ?? env("HF_ENDPOINT") ?? "https://huggingface.co").replace(
    /\/+$/,
    "",
  );
  const token = options.token === undefined ? env("HF_TOKEN") ?? null : options.token;
  const offline = options.offline ?? truthy(env("HF_HUB_OFFLINE"));
  options.files?.forEach(checkFile);
  const repoDir = repoCacheDir(cacheDir, repo);
  if (offline) {
    return await fromCache(repo, repoDir, revision, options.files, "offline mode (HF_HUB_OFFLINE)");
  }

  let info: { sha: string; files: string[] };
  try {
    info = await repoInfo(endpoint, repo, revision, token);
  } catch (e) {
    if (e instanceof HubHttpError) throw e;
    return await fromCache(
      repo,
      repoDir,
      revision,
      options.files,
      `the hub at ${endpoint} is unreachable (${(e as Error).message})`,
    );
  }
  const files = options.files ?? info.files.filter(isModelFile);
  const snapshot = join(repoDir, "snapshots", info.sha);
  await Deno.mkdir(snapshot, { recursive: true });
  for (const file of files) {
    const dest = join(snapshot, file);
    if (await pathExists(dest)) continue;
    const url = `${endpoint}/${repo}/resolve/${info.sha}/${
      file.split("/").map(encodeURIComponent).join("/")
    }`;
    await downloadFile(url, dest, {
      token,
      endpoint,
      label: `${repo}/${file}`,
      progress: options.progress ?? true,
    });
  }
  if (revision !== info.sha) {
    await Deno.mkdir(join(repoDir, "refs"), { recursive: true });
    await writeTextFileAtomic(join(repoDir, "refs", revision), info.sha);
  }
  return snapshot;
}

/** An HTTP error answer from the hub (not retried from the cache: the answer is definite). */
export class HubHttpError extends Error {}

async function hubFetch(url: string, token: string | null, endpoint: string): Promise<Response> {
  const origin = new URL(endpoint).origin;
  for (let hop = 0; hop < 10; hop++) {
    const headers: Record<string, string> = { "user-agent": "grlo-kit" };
    if (token && new URL(url).origin === origin) headers.authorization = `Bearer ${token}`;
    const res = await fetch(url, { headers, redirect: "manual" });
    if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
      await res.body?.cancel();
      url = new URL(res.headers.get("location")!, url).href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const hint = res.status === 401 || res.status === 403
        ? " (gated or private repository: set HF_TOKEN to a token with access)"
        : res.status === 404
        ? " (no such repository, revision or file)"
        : "";
      throw new HubHttpError(`hub: GET ${url} failed: HTTP ${res.status}${hint}`);
    }
    return res;
  }
  throw new HubHttpError(`hub: too many redirects fetching ${url}`);
}

async function repoInfo(endpoint: string, repo: string, revision: string, token: string | null) {
  const url = `${endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  const res = await hubFetch(url, token, endpoint);
  const body = await res.json() as { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  if (
    typeof body.sha !== "string" || !/^[0-9a-f]{40}$/.test(body.sha) ||
    !Array.isArray(body.siblings)
  ) {
    throw new HubHttpError(`hub: ${url}: unexpected answer (expected {sha, siblings})`);
  }
  const files = body.siblings.map((s) => s.rfilename).filter((f): f is string =>
    typeof f === "string"
  );
  files.forEach(checkFile);
  return { sha: body.sha, files };
}

async function downloadFile(
  url: string,
  dest: string,
  o: {
    token: string | null;
    endpoint: string;
    label: string;
    progress: DownloadOptions["progress"];
  },
): Promise<void> {
  const res = await hubFetch(url, o.token, o.endpoint);
  const length = res.headers.get("content-length");
  const total = length === null ? null : Number(length);
  const progress = o.progress === false ? null : createProgress({
    total,
    label: o.label,
    unit: "B",
    write: typeof o.progress === "function" ? o.progress : undefined,
  });
  await Deno.mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.incomplete`;
  const file = await Deno.open(part, { write: true, create: true, truncate: true });
  let received = 0;
  try {
    for await (const chunk of res.body!) {
      let off = 0;
      while (off < chunk.byteLength) off += await file.write(chunk.subarray(off));
      received += chunk.byteLength;
      progress?.update(received);
    }
  } catch (e) {
    file.close();
    await Deno.remove(part).catch(() => {});
    throw new Error(
      `hub: download of ${url} failed after ${received} bytes: ${(e as Error).message}`,
    );
  }
  file.close();
  progress?.finish();
  if (total !== null && received !== total) {
    await Deno.remove(part).catch(() => {});
    throw new Error(`hub: download of ${url} is incomplete: ${received} of ${total} bytes`);
  }
  await Deno.rename(part, dest);
}

/** Files a model needs when no explicit list is given (weights resolved through the index). */
async function requiredFiles(snapshot: string | null): Promise<string[]> {
  const base = ["config.json", "tokenizer.json", "tokenizer_config.json"];
  if (snapshot && await pathExists(join(snapshot, SAFETENSORS_INDEX))) {
    try {
      const idx = JSON.parse(await Deno.readTextFile(join(snapshot, SAFETENSORS_INDEX)));
      return [
        ...base,
        SAFETENSORS_INDEX,
        ...new Set(Object.values(idx.weight_map ?? {}) as string[]),
      ];
    } catch {
      return [...base, SAFETENSORS_INDEX];
    }
  }
  return [...base, SAFETENSORS_SINGLE];
}

async function fromCache(
  repo: string,
  repoDir: string,
  revision: string,
  files: string[] | undefined,
  why: string,
): Promise<string> {
  let commit: string | null = /^[0-9a-f]{40}$/.test(revision) ? revision : null;
  if (!commit) {
    try {
      commit = (await Deno.readTextFile(join(repoDir, "refs", revision))).trim();
    } catch { /* no ref */ }
  }
  const snapshot = commit ? join(repoDir, "snapshots", commit) : null;
  const needed = files ?? await requiredFiles(snapshot);
  const missing: string[] = [];
  for (const f of needed) if (!snapshot || !(await pathExists(join(snapshot, f)))) missing.push(f);
  if (missing.length === 0) return snapshot!;
  const where = snapshot ??
    `${join(repoDir, "snapshots", "<commit>")} (and write <commit> into ${
      join(repoDir, "refs", revision)
    })`;
  throw new Error(
    `hub: ${repo}@${revision} is not available: ${why}. Missing file(s): ${missing.join(", ")}. ` +
      `Put them in ${where}, or pass a local model directory instead of the repository id.`,
  );
}
