/**
 * The parameter list of a train-step spec over a model config, with frozen parameters.
 * Private to lib/rl (the actor and critic specs).
 *
 * @module
 */

import type { ParamEntry } from "../graph/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import { parameterSpecs } from "../model/params.ts";

/** Names, or a predicate on the name, of parameters the optimizer leaves alone. */
export type FreezeOption = readonly string[] | ((name: string) => boolean);

/**
 * Every HF parameter of `config` (in `named_parameters()` order), trainable unless frozen.
 *
 * @param config the model config
 * @param options `freeze` and `who` (the caller, for errors)
 * @returns the spec's parameter entries
 */
export function trainParams(
  config: ModelConfig,
  options: { freeze?: FreezeOption; who: string },
): ParamEntry[] {
  const f = options.freeze;
  const frozen = typeof f === "function" ? f : (name: string) => (f ?? []).includes(name);
  const specs = parameterSpecs(config);
  if (Array.isArray(f)) {
    const known = new Set(specs.map((s) => s.name));
    const unknown = f.filter((n) => !known.has(n));
    if (unknown.length) {
      throw new Error(`${options.who}: freeze names unknown parameter(s) ${unknown.join(", ")}`);
    }
  }
  return specs.map((s) => ({ name: s.name, shape: [...s.shape], trainable: !frozen(s.name) }));
}
