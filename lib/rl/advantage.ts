/**
 * The advantage-estimator registry, keyed by verl's `algorithm.adv_estimator` values.
 * Importing this module registers the built-in estimators: `gae`, `grpo`, `rloo`,
 * `reinforce_plus_plus`, `reinforce_plus_plus_baseline`. Every estimator has the one
 * `AdvantageFn` signature (`./types.ts`), so the trainer looks one up and calls it, never branching
 * on the name.
 *
 * @module
 */

import { gaeEstimator } from "./adv_gae.ts";
import { grpoEstimator } from "./adv_grpo.ts";
import {
  reinforcePlusPlusBaselineEstimator,
  reinforcePlusPlusEstimator,
} from "./adv_reinforce_pp.ts";
import { rlooEstimator } from "./adv_rloo.ts";
import type { AdvantageEstimator, AdvantageOptions } from "./types.ts";

/** verl's `algorithm` defaults: gamma 1.0, lam 1.0, norm_adv_by_std_in_grpo true. */
export const DEFAULT_ADVANTAGE_OPTIONS: Readonly<AdvantageOptions> = Object.freeze({
  gamma: 1.0,
  lam: 1.0,
  normAdvByStd: true,
});

const REGISTRY = new Map<string, AdvantageEstimator>();

/**
 * Adds an estimator under its `name`.
 *
 * @param estimator the estimator (name, what it needs, function)
 * @throws Error when the name is already registered
 *
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { registerAdvantage } from "./advantage.ts";
 * import { grpoEstimator } from "./adv_grpo.ts";
 * throws(() => registerAdvantage(grpoEstimator), /already registered/);
 * ```
 */
export function registerAdvantage(estimator: AdvantageEstimator): void {
  if (REGISTRY.has(estimator.name)) {
    throw new Error(`advantage estimator "${estimator.name}" is already registered`);
  }
  REGISTRY.set(estimator.name, estimator);
}

/**
 * Looks an estimator up by name.
 *
 * @param name verl's `algorithm.adv_estimator` value, e.g. `gae`
 * @returns the estimator
 * @throws Error naming the known estimators when `name` is not registered
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { getAdvantage } from "./advantage.ts";
 * equal(getAdvantage("gae").needsCritic, true);
 * ```
 */
export function getAdvantage(name: string): AdvantageEstimator {
  const estimator = REGISTRY.get(name);
  if (!estimator) {
    throw new Error(
      `unknown advantage estimator "${name}"; known: ${advantageNames().join(", ")}`,
    );
  }
  return estimator;
}

/**
 * Lists the registered estimator names, in registration order.
 *
 * @returns the names
 */
export function advantageNames(): string[] {
  return [...REGISTRY.keys()];
}

for (
  const estimator of [
    gaeEstimator,
    grpoEstimator,
    rlooEstimator,
    reinforcePlusPlusEstimator,
    reinforcePlusPlusBaselineEstimator,
  ]
) registerAdvantage(estimator);
