/**
 * The registry of evaluation suites: `getSuite("gsm8k")`, `listSuites()`.
 *
 * Built-in suites are registered at the bottom of this file, one import and one
 * `registerSuite` line each; a new benchmark adds its two lines there (or calls
 * `registerSuite` from its own code). Suite modules must not import this file.
 *
 * @module
 */

import type { Suite } from "./suite.ts";

const suites = new Map<string, Suite>();

/**
 * Adds a suite.
 *
 * @param suite the suite
 * @throws when a suite with the same name is already registered
 */
export function registerSuite(suite: Suite): void {
  if (suites.has(suite.name)) {
    throw new Error(`registerSuite: a suite named "${suite.name}" is already registered`);
  }
  suites.set(suite.name, suite);
}

/**
 * Looks up a suite by name.
 *
 * @param name registry name (`gsm8k`, `math500`, `humaneval`, ...)
 * @returns the suite
 * @throws listing the known names when `name` is unknown
 */
export function getSuite(name: string): Suite {
  const s = suites.get(name);
  if (s === undefined) {
    throw new Error(`unknown suite "${name}"; known suites: ${[...suites.keys()].join(", ")}`);
  }
  return s;
}

/**
 * All registered suites, in registration order.
 *
 * @param domain only suites of this domain
 * @returns the suites
 */
export function listSuites(domain?: Suite["domain"]): Suite[] {
  return [...suites.values()].filter((s) => domain === undefined || s.domain === domain);
}

// ---- built-in suites: one import + one registration per suite ----
