/**
 * The registry of evaluation suites: `getSuite("gsm8k")`, `listSuites()`.
 *
 * Built-in suites are imported at the top of this file and registered at the bottom, one
 * line each; a new benchmark adds its two lines (or calls `registerSuite` from its own
 * code). Suite modules must not import this file.
 *
 * @module
 */

import type { Suite } from "./suite.ts";
// Built-in suites (registered at the bottom of this file).
import { gsm8k } from "./suites/gsm8k.ts";
import { math500 } from "./suites/math500.ts";
import { aime24 } from "./suites/aime24.ts";
import { amc23 } from "./suites/amc23.ts";
import { mathFile } from "./suites/math_file.ts";
import { arenaHard } from "./suites/arena_hard.ts";
import { humanevalSuite } from "./suites/humaneval.ts";
import { humanevalTsSuite } from "./suites/humaneval_ts.ts";
import { mbppplusSuite } from "./suites/mbppplus.ts";
import { toyMath } from "./suites/toy_math.ts";
import { toyCode } from "./suites/toy_code.ts";
import { toyChat } from "./suites/toy_chat.ts";

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

// ---- built-in suites, in the order of the transfer table ----
registerSuite(gsm8k);
registerSuite(math500);
registerSuite(aime24);
registerSuite(amc23);
registerSuite(mathFile);
registerSuite(arenaHard);
registerSuite(humanevalSuite);
registerSuite(humanevalTsSuite);
registerSuite(mbppplusSuite);
// The toy world's suites (data generated, nothing to download; data/toy/).
registerSuite(toyMath);
registerSuite(toyCode);
registerSuite(toyChat);
