/**
 * The benchmark data mirror the data-dependent tests read: `../shared/data` beside the
 * repository, and whether those tests run (`Deno.test({ ignore: !HAVE_DATA, ... })`).
 *
 * Without the mirror they are ignored (deno counts them as ignored, never as passed), except
 * under `CI=true`: CI always has the mirror, so there a missing one makes them fail instead
 * of letting the run go green while testing less.
 *
 * @module
 */

import { join } from "node:path";

/** `../shared/data` beside the repository (with no trailing slash). */
export const DATA_DIR: string = new URL("../../shared/data", import.meta.url).pathname;

/** Whether this run is CI's (`CI=true`, as `.ci/run` exports it). */
export const IN_CI: boolean = Deno.env.get("CI") === "true";

/** Whether the mirror is present (its README.md is a file). */
export const DATA_PRESENT: boolean = (() => {
  try {
    return Deno.statSync(join(DATA_DIR, "README.md")).isFile;
  } catch {
    return false;
  }
})();

/**
 * Whether the tests that read the mirror run: it is present, or this is CI (where they then
 * fail on the missing files). Use as `ignore: !HAVE_DATA`.
 */
export const HAVE_DATA: boolean = DATA_PRESENT || IN_CI;

if (!DATA_PRESENT) {
  console.warn(
    IN_CI
      ? `CI=true but the data mirror ${DATA_DIR} is absent: the tests that read it fail`
      : `ignoring the data-dependent tests: ${DATA_DIR} is absent (CI has it beside the clone)`,
  );
}

/**
 * Tests that read the mirror: `withData.test(name, fn)` registers `fn` as `Deno.test` does,
 * ignored where {@link HAVE_DATA} is false. (An object with a `test` method, so that deno fmt
 * lays its calls out as it does `Deno.test`'s.)
 */
export const withData = {
  /**
   * Registers one test.
   *
   * @param name the test's name, a sentence
   * @param fn the test
   */
  test(name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void {
    Deno.test({ name, ignore: !HAVE_DATA, fn });
  },
};
