/**
 * Atomic file and directory writes: write beside the target, then rename over it.
 *
 * A reader never sees a half-written file: it sees the old content or the new one. For
 * directories the swap takes two renames (old aside, new in); {@link recoverDir} puts the
 * old directory back if a process died between them.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

function tmpSuffix(): string {
  return `${Deno.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * Writes a file through a temporary file in the same directory, renamed over the target.
 *
 * @param path the target file
 * @param write called with the temporary path; must write the complete file there
 * @returns what `write` returns
 */
export async function withAtomicFile<T>(
  path: string,
  write: (tmpPath: string) => Promise<T>,
): Promise<T> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${tmpSuffix()}`);
  try {
    const result = await write(tmp);
    await Deno.rename(tmp, path);
    return result;
  } catch (e) {
    await removeQuietly(tmp);
    throw e;
  }
}

/**
 * Writes bytes to a file atomically.
 *
 * @param path the target file
 * @param data the bytes
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic.ts";
 * const p = await Deno.makeTempFile();
 * await writeFileAtomic(p, new Uint8Array([1, 2]));
 * deepStrictEqual(await Deno.readFile(p), new Uint8Array([1, 2]));
 * await Deno.remove(p);
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  await withAtomicFile(path, (tmp) => Deno.writeFile(tmp, data));
}

/**
 * Writes text to a file atomically.
 *
 * @param path the target file
 * @param text the text (written as UTF-8)
 */
export async function writeTextFileAtomic(path: string, text: string): Promise<void> {
  await withAtomicFile(path, (tmp) => Deno.writeTextFile(tmp, text));
}

/**
 * Writes a value as pretty-printed JSON (two-space indent, trailing newline) atomically.
 *
 * @param path the target file
 * @param value the value
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Builds a directory in `DIR.tmp-xxx` and then swaps it in for `dir` as a whole.
 *
 * If `dir` exists it is renamed to `DIR.old-xxx` first and removed after the new one is in
 * place. If `build` throws, the temporary directory is removed and `dir` is untouched.
 *
 * @param dir the target directory
 * @param build called with the empty temporary directory; must write the complete content
 * @returns what `build` returns
 */
export async function replaceDirAtomic<T>(
  dir: string,
  build: (tmpDir: string) => Promise<T>,
): Promise<T> {
  await Deno.mkdir(dirname(dir), { recursive: true });
  await recoverDir(dir);
  const suffix = tmpSuffix();
  const tmp = `${dir}.tmp-${suffix}`;
  await Deno.mkdir(tmp);
  let result: T;
  try {
    result = await build(tmp);
  } catch (e) {
    await removeQuietly(tmp);
    throw e;
  }
  const old = `${dir}.old-${suffix}`;
  let moved = false;
  try {
    await Deno.rename(dir, old);
    moved = true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      await removeQuietly(tmp);
      throw e;
    }
  }
  await Deno.rename(tmp, dir);
  if (moved) await removeQuietly(old);
  return result;
}

/**
 * Repairs a directory left half-swapped by an interrupted {@link replaceDirAtomic}.
 *
 * When `dir` is missing and a `DIR.old-xxx` exists, the newest such directory is renamed back
 * to `dir`; old copies beside a present `dir` are removed. Leftover `DIR.tmp-xxx` directories
 * (unfinished builds) are removed only with `removeTemp`, since another process may still be
 * writing one.
 *
 * @param dir the directory
 * @param options `removeTemp`: also delete `DIR.tmp-xxx` directories @default false
 * @returns true when `dir` was restored from an old copy
 */
export async function recoverDir(
  dir: string,
  options: { removeTemp?: boolean } = {},
): Promise<boolean> {
  const parent = dirname(dir);
  const base = basename(dir);
  const olds: { path: string; mtime: number }[] = [];
  const temps: string[] = [];
  try {
    for await (const e of Deno.readDir(parent)) {
      if (!e.isDirectory) continue;
      if (e.name.startsWith(`${base}.old-`)) {
        const p = join(parent, e.name);
        olds.push({ path: p, mtime: (await Deno.stat(p)).mtime?.getTime() ?? 0 });
      } else if (e.name.startsWith(`${base}.tmp-`)) temps.push(join(parent, e.name));
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  let restored = false;
  let exists = true;
  try {
    await Deno.stat(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    exists = false;
  }
  olds.sort((a, b) => b.mtime - a.mtime);
  if (!exists && olds.length > 0) {
    await Deno.rename(olds[0].path, dir);
    olds.shift();
    restored = true;
  }
  // Old copies beside a present directory are leftovers of a completed swap.
  for (const o of olds) await removeQuietly(o.path);
  if (options.removeTemp) { for (const t of temps) await removeQuietly(t); }
  return restored;
}
