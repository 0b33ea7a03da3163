/**
 * The trainer config's reward sections (verl's keys, literally) and the {@link Reward} they
 * describe. Precedence:
 *
 * 1. `custom_reward_function.path` set: refused (Python reward functions run in verl; export
 *    the run with export-verl).
 * 2. `custom_reward_function.builtin` set: that rule reward with `reward_kwargs`. When
 *    `reward_model.enable` is also true, the reward is the **sum** of the two (a
 *    `SumReward`): `score = rm_part + rule`, terms: the RM part's terms, a term named after
 *    the RM part (`rm` or `style_mix`) and one named after the rule.
 * 3. `reward_model.enable`: the reward model, in process (`model.path`) or remote
 *    (`endpoint`, which wins when both are set), wrapped by style_mix when
 *    `reward_manager` is `"style_mix"` (a remote server then serves the plain RM).
 * 4. Otherwise: the naive verifier dispatcher (`meta.data_source` / `meta.ability`).
 *
 * `reward_model.on_error` is not applied here: the trainer scores through `scoreChecked`
 * with it.
 *
 * @module
 */

import type { SessionOptions } from "../graph/mod.ts";
import { RemoteReward } from "./remote.ts";
import { RmReward } from "./rm_reward.ts";
import { createRuleReward } from "./rules.ts";
import { StyleMixReward, type StyleMixWeights } from "./style_mix.ts";
import { SumReward } from "./sum.ts";
import type { Reward } from "./types.ts";
import { VerifierReward, type VerifierRewardOptions } from "./verifier_reward.ts";

/** The reward sections of the trainer config (the config schema produces this shape). */
export interface RewardConfigSections {
  reward_model: {
    /** Use the learned reward model. verl; default false. */
    enable: boolean;
    /** naive: the RM score if enabled, else a verifier/rule; style_mix: RM + style terms. */
    reward_manager: "naive" | "style_mix";
    model: {
      /** The RM directory (HF seq-cls model). verl; default null. */
      path: string | null;
      /** verl; accepted, no meaning (the RM renders with its own chat template). */
      input_tokenizer: string | null;
      /** verl; no meaning here. */
      use_remove_padding: boolean;
      /** verl; no meaning here. */
      fsdp_config: { param_offload: boolean };
    };
    /** Rows per RM batch (null -> 8). verl. */
    micro_batch_size_per_gpu: number | null;
    /** Longest pair the RM scores (null -> the model's maximum). verl. */
    max_length: number | null;
    /** Remote RM URL (`deno task serve-reward`); null = in process. Kit only. */
    endpoint: string | null;
    /** Name of the env variable holding the endpoint's bearer token. Kit only. */
    endpoint_token_env: string | null;
    /** What the trainer does with a bad reward: stop the step or score it 0. Kit only. */
    on_error: "stop" | "zero";
    /** style_mix weights. Kit only. */
    style_mix: StyleMixWeights;
  };
  custom_reward_function: {
    /** A Python file: refused on this engine (see export-verl). verl. */
    path: string | null;
    /** verl; default "compute_score". */
    name: string;
    /** Arguments of the built-in rule reward. verl; default {}. */
    reward_kwargs: Record<string, unknown>;
    /** A built-in rule reward by name (`char_fraction`). Kit only. */
    builtin: string | null;
  };
}

/** Options of {@link rewardFromConfig}. */
export interface RewardFromConfigOptions {
  /** Session options of the in-process reward model (threads, execution provider). */
  session?: SessionOptions;
  /** Cache RM scores of repeated (messages, response) pairs. @default false */
  rmCache?: boolean;
  /** Reads environment variables (tests). @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** The verifier options (sandbox opt-in, MBPP+ cache). */
  verifier?: VerifierRewardOptions;
  /** The fetch function of the remote RM client (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Builds the reward a config describes (see the module doc for the precedence).
 *
 * @param cfg the reward sections
 * @param options RM session, cache, env, verifier options
 * @returns the reward (close it when done)
 * @throws naming the config key when the sections ask for something impossible
 */
export async function rewardFromConfig(
  cfg: RewardConfigSections,
  options: RewardFromConfigOptions = {},
): Promise<Reward> {
  const crf = cfg.custom_reward_function, rm = cfg.reward_model;
  if (crf.path !== null && crf.path !== "") {
    throw new Error(
      `custom_reward_function.path (${crf.path}): Python reward functions run in verl, not ` +
        `on this engine; export the run with export-verl, or use custom_reward_function.builtin`,
    );
  }
  if (rm.reward_manager === "style_mix" && !rm.enable) {
    throw new Error(
      `reward_model.reward_manager "style_mix" needs reward_model.enable: true ` +
        `(the reward model's score is its base term)`,
    );
  }
  const rule = crf.builtin !== null ? createRuleReward(crf.builtin, crf.reward_kwargs) : null;
  if (!rm.enable) return rule ?? new VerifierReward(options.verifier);
  const rmPart = await rewardModelPart(cfg, options);
  const mixed = rm.reward_manager === "style_mix"
    ? new StyleMixReward(rmPart, rm.style_mix)
    : rmPart;
  return rule === null ? mixed : new SumReward([mixed, rule]);
}

async function rewardModelPart(
  cfg: RewardConfigSections,
  options: RewardFromConfigOptions,
): Promise<Reward> {
  const rm = cfg.reward_model;
  if (rm.endpoint !== null && rm.endpoint !== "") {
    let token: string | undefined;
    if (rm.endpoint_token_env !== null) {
      token = (options.env ?? ((n) => Deno.env.get(n)))(rm.endpoint_token_env);
      if (!token) {
        throw new Error(
          `reward_model.endpoint_token_env: the environment variable ${rm.endpoint_token_env} is unset or empty`,
        );
      }
    }
    return new RemoteReward({ url: rm.endpoint, token, fetch: options.fetch });
  }
  if (rm.model.path === null || rm.model.path === "") {
    throw new Error(
      "reward_model.model.path: required when reward_model.enable is true and no reward_model.endpoint is set",
    );
  }
  return await RmReward.load(rm.model.path, {
    ...options.session,
    batchSize: rm.micro_batch_size_per_gpu ?? 8,
    maxLength: rm.max_length ?? undefined,
    cache: options.rmCache ?? false,
  });
}
