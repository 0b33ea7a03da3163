/**
 * `deno task export-verl`: a kit training config as a runnable verl experiment (train.sh,
 * parquet data, the style_mix reward manager, README).
 *
 * ```sh
 * deno task export-verl --preset grlo-paper data.train_files=../shared/data/grlo-prompts/train.jsonl \
 *   actor_rollout_ref.model.path=Qwen/Qwen3-4B-Base --gpus 4 --out runs/verl-grlo
 * deno task export-verl --config runs/smoke/config.json actor_rollout_ref.model.path=DIR --out runs/verl-smoke
 * ```
 *
 * A bad config is refused naming the key (exit 2).
 *
 * @module
 */

import { CliError, type CliSpec, intFlag, parseCli, runMain } from "../lib/cli.ts";
import { exportVerl } from "../lib/bridge/verl_export.ts";
import { ConfigError } from "../lib/rl/config.ts";
import { parseOverrideArgs } from "../lib/rl/overrides.ts";
import { CONFIG_OPTIONS } from "./_config_options.ts";

const spec = {
  command: "deno task export-verl",
  summary: "Write a verl experiment (train.sh, data/*.parquet, reward/style_mix.py, README.md) " +
    "from a kit config (key=value overrides after the flags).",
  options: {
    ...CONFIG_OPTIONS,
    out: { type: "string", valueName: "DIR", description: "the experiment directory (required)" },
    gpus: { type: "string", valueName: "N", description: "trainer.n_gpus_per_node" },
    nodes: { type: "string", valueName: "N", description: "trainer.nnodes" },
  },
  examples: [
    "deno task export-verl --preset grlo-paper data.train_files=prompts.jsonl " +
    "actor_rollout_ref.model.path=Qwen/Qwen3-4B-Base --gpus 4 --out runs/verl-grlo",
  ],
} as const satisfies CliSpec;

async function main(): Promise<number> {
  const { overrides, args } = parseOverrideArgs(Deno.args);
  const { values, help, helpText } = parseCli(args, spec);
  if (help) {
    console.log(helpText);
    return 0;
  }
  if (!values.out) throw new CliError(`${spec.command}: --out DIR is required (see --help)`);
  if (!values.preset && !values.config && overrides.length === 0) {
    throw new CliError(`${spec.command}: give --preset NAME or --config FILE (see --help)`);
  }
  try {
    const r = await exportVerl(values.out, {
      preset: values.preset,
      file: values.config,
      overrides: overrides.map((o) => o.text),
      gpus: values.gpus === undefined ? undefined : intFlag("gpus", values.gpus),
      nodes: values.nodes === undefined ? undefined : intFlag("nodes", values.nodes),
    });
    console.log(JSON.stringify({
      out: values.out,
      rows: r.rows,
      overrides: r.plan.overrides.length,
      reward_kwargs: r.plan.rewardKwargs.length,
      omitted: r.plan.omitted.map((o) => o.key),
      files: r.files,
    }));
    console.error(`launch: bash ${values.out}/train.sh (see ${values.out}/README.md)`);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
  return 0;
}

if (import.meta.main) await runMain(main);
