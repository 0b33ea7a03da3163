/**
 * The KL estimator names, shared by the host-side penalty (`kl.ts`, `klPenalty` on arrays),
 * the graph-side loss (`loss_kl.ts`, `klTokenLosses` building nodes) and the config schema
 * (`algorithm.kl_penalty`, `actor.kl_loss_type`). verl's names (`core_algos.kl_penalty`):
 * `kl` = `k1`, `mse` = `k2`, `low_var_kl` = `k3`, and `abs`.
 *
 * @module
 */

/** The estimators, without the straight-through suffix. */
export const KL_ESTIMATORS = ["kl", "k1", "abs", "mse", "k2", "low_var_kl", "k3"] as const;

/** One estimator (verl's `kl_penalty` / `kl_loss_type` names). */
export type KlType = typeof KL_ESTIMATORS[number];

/** An estimator, optionally with a trailing `+`: its value with the k2 gradient (straight-through). */
export type KlLossType = KlType | `${KlType}+`;

/** Every {@link KlLossType}: each estimator, then the same with `+`. */
export const KL_LOSS_TYPES: readonly KlLossType[] = KL_ESTIMATORS.flatMap((k) =>
  [k, `${k}+`] as const
);

/**
 * Splits a loss type into its estimator and whether it is straight-through.
 *
 * @param type e.g. `k3+`
 * @returns `{ base: "k3", straight: true }`; `base` is not checked
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitKlType } from "./kl_types.ts";
 * assert.deepEqual(splitKlType("low_var_kl+"), { base: "low_var_kl", straight: true });
 * assert.deepEqual(splitKlType("k1"), { base: "k1", straight: false });
 * ```
 */
export function splitKlType(type: KlLossType): { base: KlType; straight: boolean } {
  const straight = type.endsWith("+");
  return { base: (straight ? type.slice(0, -1) : type) as KlType, straight };
}

/**
 * Whether a name is one of the estimators.
 *
 * @param name a name
 * @returns true for the names in {@link KL_ESTIMATORS}
 */
export function isKlEstimator(name: string): name is KlType {
  return (KL_ESTIMATORS as readonly string[]).includes(name);
}
