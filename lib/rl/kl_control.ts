/**
 * Controllers of the KL coefficient `beta` (verl's `algorithm.kl_ctrl`): verl's
 * `FixedKLController` and `AdaptiveKLController` (`core_algos.py`), with a checkpointable
 * state. Re-exported by `./kl.ts`.
 *
 * @module
 */

/** A controller's checkpoint: its type, current value, and (adaptive) its settings. */
export interface KlControllerState {
  type: "fixed" | "adaptive";
  value: number;
  target_kl?: number;
  horizon?: number;
}

/** The KL coefficient `beta` and its update rule (verl's `kl_ctrl`). */
export interface KlController {
  /** Which rule. */
  readonly type: "fixed" | "adaptive";
  /** The current coefficient. */
  readonly value: number;
  /**
   * Updates `value` from the KL measured this step.
   *
   * @param currentKl the batch KL (`applyKlInReward`'s `klMean`)
   * @param nSteps samples in the step (verl passes the batch size)
   */
  update(currentKl: number, nSteps: number): void;
  /** @returns the state to checkpoint */
  toJSON(): KlControllerState;
  /**
   * Sets `value` from a checkpoint; the settings stay those of this controller's config.
   *
   * @param state what `toJSON()` returned
   * @throws Error when the state is of the other controller type or its value is not finite
   */
  restore(state: KlControllerState): void;
}

function checkRestore(type: string, state: KlControllerState) {
  if (state.type !== type) {
    throw new Error(`cannot restore a ${type} KL controller from a ${state.type} state`);
  }
  if (!Number.isFinite(state.value)) throw new Error(`bad KL controller value ${state.value}`);
}

/** A constant coefficient (verl's `FixedKLController`, `kl_ctrl.type: fixed`, the default). */
export class FixedKlController implements KlController {
  readonly type = "fixed" as const;
  #value: number;

  /** @param klCoef the coefficient (verl's `kl_coef`, default 0.001) */
  constructor(klCoef: number) {
    this.#value = klCoef;
  }

  /** The coefficient. */
  get value(): number {
    return this.#value;
  }

  /** Does nothing. @param _currentKl unused @param _nSteps unused */
  update(_currentKl: number, _nSteps: number): void {}

  /** @returns `{type: "fixed", value}` */
  toJSON(): KlControllerState {
    return { type: "fixed", value: this.#value };
  }

  /** Sets the value from a checkpoint. @param state a fixed controller's state */
  restore(state: KlControllerState): void {
    checkRestore(this.type, state);
    this.#value = state.value;
  }
}

/** Options of {@link AdaptiveKlController}. */
export interface AdaptiveKlOptions {
  /** Initial coefficient. @default 0.001 */
  klCoef?: number;
  /** The KL to steer towards. @default 0.1 */
  targetKl?: number;
  /** Samples over which a full proportional correction is applied. @default 10000 */
  horizon?: number;
}

/**
 * The adaptive coefficient of Ziegler et al. (arXiv 1909.08593), verl's
 * `AdaptiveKLController`: `e = clip(currentKl/targetKl - 1, -0.2, 0.2)`,
 * `value *= 1 + e*nSteps/horizon`.
 */
export class AdaptiveKlController implements KlController {
  readonly type = "adaptive" as const;
  /** The KL to steer towards. */
  readonly targetKl: number;
  /** Samples over which a full proportional correction is applied. */
  readonly horizon: number;
  #value: number;

  /**
   * @param options initial coefficient, target and horizon
   * @throws RangeError when `targetKl` or `horizon` is not positive
   */
  constructor(options: AdaptiveKlOptions = {}) {
    const { klCoef = 0.001, targetKl = 0.1, horizon = 10000 } = options;
    if (!(targetKl > 0)) throw new RangeError(`target_kl must be > 0, got ${targetKl}`);
    if (!(horizon > 0)) throw new RangeError(`horizon must be > 0, got ${horizon}`);
    this.#value = klCoef;
    this.targetKl = targetKl;
    this.horizon = horizon;
  }

  /** The current coefficient. */
  get value(): number {
    return this.#value;
  }

  /**
   * Multiplies the coefficient by `1 + clip(currentKl/targetKl - 1, -0.2, 0.2)*nSteps/horizon`.
   *
   * @param currentKl the batch KL
   * @param nSteps samples in the step
   */
  update(currentKl: number, nSteps: number): void {
    const error = Math.min(0.2, Math.max(-0.2, currentKl / this.targetKl - 1));
    this.#value *= 1 + (error * nSteps) / this.horizon;
  }

  /** @returns `{type: "adaptive", value, target_kl, horizon}` */
  toJSON(): KlControllerState {
    return {
      type: "adaptive",
      value: this.#value,
      target_kl: this.targetKl,
      horizon: this.horizon,
    };
  }

  /** Sets the value from a checkpoint. @param state an adaptive controller's state */
  restore(state: KlControllerState): void {
    checkRestore(this.type, state);
    this.#value = state.value;
  }
}

/** verl's `algorithm.kl_ctrl` block. */
export interface KlControlConfig {
  /** Which rule. */
  type: "fixed" | "adaptive";
  /** Initial (fixed: constant) coefficient. @default 0.001 */
  kl_coef?: number;
  /** Adaptive: the KL to steer towards. @default 0.1 */
  target_kl?: number;
  /** Adaptive: samples over which a full correction is applied. @default 10000 */
  horizon?: number;
}

/**
 * Builds the controller a config names (verl's `get_kl_controller`).
 *
 * @param cfg verl's `algorithm.kl_ctrl`
 * @returns the controller
 * @throws Error on an unknown type; RangeError on a non-positive adaptive target or horizon
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { klController } from "./kl_control.ts";
 * const c = klController({ type: "adaptive", kl_coef: 0.1, target_kl: 1, horizon: 10 });
 * c.update(2, 5); // error clipped to 0.2: 0.1 * (1 + 0.2*5/10)
 * equal(c.value.toFixed(6), "0.110000");
 * ```
 */
export function klController(cfg: KlControlConfig): KlController {
  const klCoef = cfg.kl_coef ?? 0.001;
  if (!Number.isFinite(klCoef)) throw new RangeError(`kl_coef must be finite, got ${klCoef}`);
  if (cfg.type === "fixed") return new FixedKlController(klCoef);
  if (cfg.type === "adaptive") {
    return new AdaptiveKlController({ klCoef, targetKl: cfg.target_kl, horizon: cfg.horizon });
  }
  throw new Error(
    `unknown kl_ctrl.type "${(cfg as { type: string }).type}"; known: fixed, adaptive`,
  );
}
