/**
 * Small file-system helpers.
 *
 * @module
 */

/**
 * Whether a path exists (file, directory or anything else).
 *
 * @param path the path
 * @returns true when `stat` succeeds, false when it reports NotFound (other errors throw)
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
