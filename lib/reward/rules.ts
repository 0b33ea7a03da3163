/**
 * Rule rewards for tests and smoke runs: a registry of named factories, each taking the
 * `custom_reward_function.reward_kwargs` object and returning a {@link Reward} whose single
 * term is named after the rule. Built in:
 *
 * - `char_fraction` `{target: "a"}`: the fraction of the response's characters (Unicode code
 *   points, as Python's `str` counts them) equal to `target` (one character); 0 for an empty
 *   response.
 * - `length_target` `{target: 32, unit: "tokens" | "chars"}`: `max(0, 1 - |len - target| / target)`,
 *   1 at exactly `target`, 0 at 0 or at twice the target and beyond.
 * - `contains` `{text: "Paris", case_sensitive: false}`: 1 when the response contains `text`.
 *
 * @module
 */

import { z } from "zod";
import type { Reward, RewardInput, RewardOutput } from "./types.ts";

/** Makes a rule reward from its keyword arguments (validate them and throw naming the field). */
export type RuleRewardFactory = (kwargs: Readonly<Record<string, unknown>>) => Reward;

const registry = new Map<string, RuleRewardFactory>();

/**
 * Registers a rule reward.
 *
 * @param name the name (`custom_reward_function.builtin`)
 * @param factory builds the reward from `reward_kwargs`
 * @throws when the name is taken
 */
export function registerRuleReward(name: string, factory: RuleRewardFactory): void {
  if (registry.has(name)) throw new Error(`rule reward "${name}" is already registered`);
  registry.set(name, factory);
}

/**
 * The registered rule reward names, sorted.
 *
 * @returns the names
 */
export function ruleRewardNames(): string[] {
  return [...registry.keys()].sort();
}

/**
 * Builds a registered rule reward.
 *
 * @param name the rule's name
 * @param kwargs its keyword arguments
 * @returns the reward
 * @throws for an unknown name, listing the known ones
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRuleReward } from "./rules.ts";
 * const r = createRuleReward("char_fraction", { target: "a" });
 * const [out] = await r.score([{ messages: [], response: "aab", responseIds: [], finishReason: "stop", maxResponseTokens: 8, meta: {} }]);
 * assert.equal(out.score, 2 / 3);
 * ```
 */
export function createRuleReward(
  name: string,
  kwargs: Readonly<Record<string, unknown>> = {},
): Reward {
  const factory = registry.get(name);
  if (!factory) {
    throw new Error(
      `custom_reward_function.builtin: unknown rule reward "${name}"; known: ${
        ruleRewardNames().join(", ")
      }`,
    );
  }
  return factory(kwargs);
}

/**
 * A rule reward from a per-record function.
 *
 * @param name the reward's name and its one term
 * @param fn the score of one record
 * @returns the reward
 */
export function ruleReward(name: string, fn: (input: RewardInput) => number): Reward {
  return {
    name,
    score(batch, options = {}): Promise<RewardOutput[]> {
      options.signal?.throwIfAborted();
      const out = batch.map((r) => {
        const s = fn(r);
        return { score: s, terms: { [name]: s } };
      });
      options.onProgress?.(batch.length, batch.length);
      return Promise.resolve(out);
    },
    close: () => Promise.resolve(),
  };
}

function parseKwargs<S extends z.ZodType>(rule: string, schema: S, kwargs: unknown): z.infer<S> {
  const r = schema.safeParse(kwargs);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const field = i.path.length ? `.${i.path.join(".")}` : "";
  throw new Error(`custom_reward_function.reward_kwargs${field} (${rule}): ${i.message}`);
}

registerRuleReward("char_fraction", (kwargs) => {
  const { target } = parseKwargs(
    "char_fraction",
    z.object({ target: z.string().refine((s) => [...s].length === 1, "one character") }).strict(),
    kwargs,
  );
  return ruleReward("char_fraction", (r) => {
    const chars = [...r.response];
    return chars.length === 0 ? 0 : chars.filter((c) => c === target).length / chars.length;
  });
});

registerRuleReward("length_target", (kwargs) => {
  const { target, unit } = parseKwargs(
    "length_target",
    z.object({
      target: z.number().int().min(1),
      unit: z.enum(["tokens", "chars"]).default("tokens"),
    }).strict(),
    kwargs,
  );
  return ruleReward("length_target", (r) => {
    const len = unit === "tokens" ? r.responseIds.length : [...r.response].length;
    return Math.max(0, 1 - Math.abs(len - target) / target);
  });
});

registerRuleReward("contains", (kwargs) => {
  const { text, case_sensitive } = parseKwargs(
    "contains",
    z.object({ text: z.string().min(1), case_sensitive: z.boolean().default(false) }).strict(),
    kwargs,
  );
  const needle = case_sensitive ? text : text.toLowerCase();
  return ruleReward("contains", (r) => {
    const hay = case_sensitive ? r.response : r.response.toLowerCase();
    return hay.includes(needle) ? 1 : 0;
  });
});
