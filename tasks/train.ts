/**
 * `deno task train`: RL on a base model — PPO with a critic and GAE (the GRLO recipe), GRPO,
 * RLOO, REINFORCE++ — with verl's config keys and Hydra-style overrides.
 *
 * ```sh
 * deno task train --preset smoke --out runs/smoke                 # tiny random model, rule reward, ~1 min
 * deno task train --preset smoke algorithm.adv_estimator=grpo --out runs/smoke-grpo
 * deno task train --preset grlo-paper actor_rollout_ref.model.path=DIR critic.model.path=DIR \
 *   reward_model.model.path=RM_DIR data.train_files=prompts.jsonl --dry-run
 * deno task train --config runs/smoke/config.json --out runs/smoke  # resume (same config)
 * ```
 *
 * Before any work it prints the plan (batch vocabulary, steps, memory estimate, keys with no
 * meaning on this engine); `--dry-run` stops there. A bad config is refused naming the key
 * (exit 2). Running the same command on the same `--out` resumes from its last checkpoint.
 *
 * @module
 */

import { CliError, type CliSpec, parseCli, runMain } from "../lib/cli.ts";
import { readModelConfig } from "../lib/model/config_io.ts";
import type { ModelConfig } from "../lib/model/config.ts";
import { ConfigError, configHash, resolveConfig } from "../lib/rl/config.ts";
import type { TrainerConfig } from "../lib/rl/config_schema.ts";
import { smokeModelConfig } from "../lib/rl/models.ts";
import { parseOverrideArgs } from "../lib/rl/overrides.ts";
import { CONFIG_OPTIONS } from "./_config_options.ts";
import { formatPlan, planOf } from "../lib/rl/plan.ts";
import { loadPrompts } from "../lib/rl/prompts.ts";
import { train } from "../lib/rl/train.ts";
import { pathExists } from "../lib/util/fs.ts";

const spec = {
  command: "deno task train",
  summary: "Train a policy with PPO/GAE, GRPO, RLOO or REINFORCE++ (verl config keys; key=value " +
    "overrides after the flags).",
  options: {
    ...CONFIG_OPTIONS,
    out: {
      type: "string",
      valueName: "DIR",
      description:
        "run directory (default: trainer.default_local_dir, else runs/<experiment_name>)",
    },
    "dry-run": { type: "boolean", description: "validate, print the plan and exit" },
    "max-steps": {
      type: "string",
      valueName: "N",
      description: "stop after N steps in this call (the run stays resumable)",
    },
  },
  examples: [
    "deno task train --preset smoke --out runs/smoke",
    "deno task train --preset smoke algorithm.adv_estimator=grpo --out runs/smoke-grpo",
    "deno task train --preset grlo-paper actor_rollout_ref.model.path=DIR ... --dry-run",
  ],
} as const satisfies CliSpec;

const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

/** A model path must be a directory here, or a hub id (downloaded at run time). */
async function modelConfigAt(key: string, path: string | null): Promise<ModelConfig | null> {
  if (path === null) return null;
  if (await pathExists(path)) {
    try {
      return await readModelConfig(path);
    } catch (e) {
      throw new ConfigError(key, `${key}: ${path}: ${(e as Error).message}`);
    }
  }
  if (HUB_ID.test(path) && !path.startsWith(".")) return null; // a hub id: fetched by the run
  throw new ConfigError(key, `${key}: no model directory at "${path}" (and it is not a hub id)`);
}

async function checkDataFiles(cfg: TrainerConfig): Promise<number> {
  const files = cfg.data.train_files;
  if (files === null) {
    throw new ConfigError(
      "data.train_files",
      "data.train_files: required (a JSONL file or builtin:<name>)",
    );
  }
  for (const f of [files, cfg.data.val_files ?? []].flat()) {
    if (!f.startsWith("builtin:") && !await pathExists(f)) {
      const key = [files].flat().includes(f) ? "data.train_files" : "data.val_files";
      throw new ConfigError(key, `${key}: no such file "${f}"`);
    }
  }
  return (await loadPrompts(files, { promptKey: cfg.data.prompt_key })).length;
}

async function main(): Promise<number> {
  const { overrides, args } = parseOverrideArgs(Deno.args);
  const { values, help, helpText } = parseCli(args, spec);
  if (help) {
    console.log(helpText);
    return 0;
  }
  if (!values.preset && !values.config && overrides.length === 0) {
    throw new CliError(`${spec.command}: give --preset NAME or --config FILE (see --help)`);
  }
  const cfg = resolveConfig({ preset: values.preset, file: values.config, overrides });
  const maxSteps = values["max-steps"] === undefined ? undefined : Number(values["max-steps"]);
  if (maxSteps !== undefined && !(Number.isSafeInteger(maxSteps) && maxSteps > 0)) {
    throw new CliError(`--max-steps: expected a positive integer, got "${values["max-steps"]}"`);
  }
  const policy =
    await modelConfigAt("actor_rollout_ref.model.path", cfg.actor_rollout_ref.model.path) ??
      (cfg.actor_rollout_ref.model.path === null ? smokeModelConfig() : undefined);
  const critic = await modelConfigAt("critic.model.path", cfg.critic.model.path) ?? policy;
  const rewardModel = await modelConfigAt("reward_model.model.path", cfg.reward_model.model.path) ??
    undefined;
  const trainPrompts = await checkDataFiles(cfg);
  const plan = planOf(cfg, { trainPrompts, policy, critic, rewardModel });
  const out = values.out ?? `runs/${cfg.trainer.experiment_name}`;
  const text = `${formatPlan(plan, cfg)}\nconfig hash: ${configHash(cfg)}\nrun directory: ${out}\n`;
  console.log(text);
  if (values["dry-run"]) return 0;
  const result = await train(cfg, { out, planText: text, maxSteps });
  console.error(
    `done: step ${result.step}/${result.totalSteps} in ${out}` +
      (result.resumedFrom !== null ? ` (resumed from step-${result.resumedFrom})` : ""),
  );
  return 0;
}

if (import.meta.main) await runMain(main);
