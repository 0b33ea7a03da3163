/**
 * Export a kit training config as a runnable verl experiment (`deno task export-verl`):
 *
 * ```
 * DIR/train.sh               python3 -m verl.trainer.main_ppo with the kit's keys as overrides
 * DIR/data/train.parquet     verl's RL data schema (lib/bridge/parquet.ts)
 * DIR/data/val.parquet
 * DIR/reward/style_mix.py    the `style_mix` reward manager (same terms as lib/reward/style_mix.ts)
 * DIR/reward/kit_reward.py   the kit's math verifier as a custom reward function (RLVR)
 * DIR/reward/sitecustomize.py registers style_mix and logs reward/<term>/mean inside verl
 * DIR/README.md              how to launch, the verl version, how to import the results back
 * ```
 *
 * The overrides are the keys some layer set (preset, `--config` file, `key=value`), with the
 * resolved values, plus what verl needs that the kit leaves null (data paths, `critic.model.path`,
 * `rollout.name`). Kit-only keys become reward-manager kwargs (`reward_model.style_mix.*` ->
 * `+reward_model.reward_kwargs.*`) or are omitted with a comment saying why.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { resolveConfig } from "../rl/config.ts";
import { ConfigError } from "../rl/config_error.ts";
import { KIT_ONLY_KEYS, NO_MEANING_KEYS } from "../rl/config_keys.ts";
import { flattenDelta, getPath, isPlainObject, pathKind } from "../rl/config_paths.ts";
import type { TrainerConfig } from "../rl/config_schema.ts";
import { parseOverride } from "../rl/overrides.ts";
import { getPreset } from "../rl/presets.ts";
import { BUILTIN_PROMPT_SETS } from "../rl/prompts.ts";
import { type VerlRow, writeVerlParquet } from "./parquet.ts";

/** The verl commit whose config schema the keys were checked against. */
export const VERL_CHECKED_COMMIT = "b178a3cd56f58b2d502255daba591e92833930a7";

/** Keys whose value is a path the export rewrites (compared modulo value by tests). */
export const PATH_KEYS: readonly string[] = [
  "data.train_files",
  "data.val_files",
  "actor_rollout_ref.model.path",
  "critic.model.path",
];

/** One verl override and why it is there. */
export interface VerlOverride {
  /** Dotted verl key; a leading `+` adds a key verl's schema lacks (Hydra's syntax). */
  key: string;
  /** The value. */
  value: unknown;
  /** Where it came from: `preset grlo-paper`, `--config FILE`, `override`, `--gpus`, `export`. */
  source: string;
  /** One line for the comment beside it. */
  comment: string;
}

/** What {@link planVerlExport} returns. */
export interface VerlExportPlan {
  /** The resolved kit config. */
  config: TrainerConfig;
  /** verl overrides, in the order written (keys verl has). */
  overrides: VerlOverride[];
  /** `+reward_model.reward_kwargs.*`: kit-only style_mix weights for the reward manager. */
  rewardKwargs: VerlOverride[];
  /** Kit keys left out, with the reason (written as comments). */
  omitted: { key: string; reason: string }[];
}

/** Options of {@link planVerlExport} and {@link exportVerl}. */
export interface VerlExportOptions {
  /** A preset name. @default none */
  preset?: string;
  /** A JSON config file (e.g. a run's config.json). @default none */
  file?: string;
  /** `key=value` / `~key` overrides. @default [] */
  overrides?: readonly string[];
  /** GPUs per node (`trainer.n_gpus_per_node`). @default the config's */
  gpus?: number;
  /** Nodes (`trainer.nnodes`). @default the config's */
  nodes?: number;
}

/** The keys each layer sets, in first-set order, with the layer that last set them. */
function explicitKeys(options: VerlExportOptions): Map<string, string> {
  const out = new Map<string, string>();
  const add = (delta: Record<string, unknown>, source: string) => {
    for (const [path] of flattenDelta(delta)) out.set(path.join("."), source);
  };
  if (options.preset !== undefined) {
    add(getPreset(options.preset).delta as Record<string, unknown>, `preset ${options.preset}`);
  }
  if (options.file !== undefined) {
    const { config_hash: _h, ...raw } = JSON.parse(Deno.readTextFileSync(options.file));
    add(raw, `--config ${options.file}`);
  }
  for (const text of options.overrides ?? []) {
    const o = parseOverride(text);
    if (o.kind === "reset") {
      for (const k of [...out.keys()]) if (k === o.key || k.startsWith(`${o.key}.`)) out.delete(k);
    } else if (isPlainObject(o.value) && pathKind(o.key.split(".")) !== "leaf") {
      add({ [o.key]: o.value }, "override"); // flattened keys join back to "a.b.c"
    } else out.set(o.key, "override");
  }
  return out;
}

const needsCritic = (c: TrainerConfig) => c.critic.enable ?? c.algorithm.adv_estimator === "gae";

/**
 * Resolves the config and maps it to verl overrides (see the module doc).
 *
 * @param options the layers and the cluster shape
 * @returns the overrides, the reward-manager kwargs and the omitted keys
 * @throws {ConfigError} naming the key: a bad config, no policy model, a Python reward file
 */
export function planVerlExport(options: VerlExportOptions): VerlExportPlan {
  const layered = [...(options.overrides ?? [])];
  if (options.gpus !== undefined) layered.push(`trainer.n_gpus_per_node=${options.gpus}`);
  if (options.nodes !== undefined) layered.push(`trainer.nnodes=${options.nodes}`);
  const config = resolveConfig({ preset: options.preset, file: options.file, overrides: layered });
  const explicit = explicitKeys(options);
  if (options.gpus !== undefined) explicit.set("trainer.n_gpus_per_node", "--gpus");
  if (options.nodes !== undefined) explicit.set("trainer.nnodes", "--nodes");
  if (config.actor_rollout_ref.model.path === null) {
    throw new ConfigError(
      "actor_rollout_ref.model.path",
      "actor_rollout_ref.model.path: verl needs a model directory or hub id (the kit's tiny " +
        "random model exists only inside the kit): give actor_rollout_ref.model.path=...",
    );
  }
  const value = (key: string) => getPath(config, key.split("."));
  const overrides: VerlOverride[] = [], rewardKwargs: VerlOverride[] = [];
  const omitted: { key: string; reason: string }[] = [];
  const comment = (key: string, source: string) => {
    const why = NO_MEANING_KEYS[key];
    return why ? `${source} (no effect in the kit: ${why})` : source;
  };
  const set = new Set<string>();
  const push = (key: string, v: unknown, source: string, note?: string) => {
    set.add(key);
    overrides.push({ key, value: v, source, comment: note ?? comment(key, source) });
  };
  for (const [key, source] of explicit) {
    if (key.startsWith("reward_model.style_mix.")) {
      const name = key.slice("reward_model.style_mix.".length);
      rewardKwargs.push({
        key: `+reward_model.reward_kwargs.${name}`,
        value: value(key),
        source,
        comment: `${source}: ${key} (a style_mix weight, passed to the reward manager)`,
      });
    } else if (key in KIT_ONLY_KEYS) {
      omitted.push({ key, reason: `kit-only (${KIT_ONLY_KEYS[key]}); verl has no such key` });
    } else if (key === "data.train_files" || key === "data.val_files") {
      continue; // written below, pointing at the exported parquet files
    } else if (key === "critic.model.path" && value(key) === null) {
      if (needsCritic(config)) {
        push(key, config.actor_rollout_ref.model.path, source, `${source}: null = the policy's`);
      }
    } else if (key === "critic.enable" && value(key) === null) {
      omitted.push({ key, reason: "null = verl's need_critic(adv_estimator)" });
    } else if (key === "custom_reward_function.path" && value(key) !== null) {
      push(key, value(key), source);
    } else if (value(key) === null && key === "actor_rollout_ref.rollout.name") {
      continue; // written below
    } else push(key, value(key), source);
  }
  const files: VerlOverride[] = [
    {
      key: "data.train_files",
      value: "$HERE/data/train.parquet",
      source: "export",
      comment: `export: ${describeFiles(config.data.train_files)} as parquet`,
    },
    {
      key: "data.val_files",
      value: "$HERE/data/val.parquet",
      source: "export",
      comment: config.data.val_files === null
        ? `export: the first kit.val_prompts (${config.kit.val_prompts}) training prompts`
        : `export: ${describeFiles(config.data.val_files)} as parquet`,
    },
  ];
  overrides.unshift(...files);
  if (config.actor_rollout_ref.rollout.name === null) {
    push("actor_rollout_ref.rollout.name", "vllm", "export", "export: verl requires an engine");
  }
  if (!set.has("actor_rollout_ref.model.path")) {
    push("actor_rollout_ref.model.path", config.actor_rollout_ref.model.path, "export");
  }
  if (!config.reward_model.enable && config.custom_reward_function.path === null) {
    push(
      "custom_reward_function.path",
      "$HERE/reward/kit_reward.py",
      "export",
      "export: the kit's math grader (reward/kit_reward.py says where verl's scorers differ)",
    );
    push("custom_reward_function.name", "compute_score", "export");
  }
  if (config.custom_reward_function.builtin !== null) {
    omitted.push({
      key: "custom_reward_function.builtin",
      reason: `the kit's rule reward "${config.custom_reward_function.builtin}" has no verl ` +
        "counterpart; write a verl custom_reward_function.path for it",
    });
  }
  return { config, overrides, rewardKwargs, omitted };
}

function describeFiles(f: string | readonly string[] | null): string {
  return f === null ? "none" : typeof f === "string" ? f : f.join(", ");
}

/**
 * One value as Hydra reads it on a command line, shell-quoted for bash (`$HERE` expands).
 *
 * @param v the value
 * @returns the text after `key=`
 */
export function hydraValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") {
    if (v.startsWith("$HERE")) return `"${v}"`;
    return /^[\w.\/-]+$/.test(v) && !/^(true|false|null|none|\d.*)$/i.test(v)
      ? v
      : `'${v.replaceAll("'", "'\\''")}'`;
  }
  const json = JSON.stringify(v);
  return `'${json.replaceAll("'", "'\\''")}'`;
}

/**
 * The text of `train.sh`.
 *
 * @param plan the export plan
 * @returns a bash script
 */
export function renderTrainSh(plan: VerlExportPlan): string {
  const lines = [
    "#!/usr/bin/env bash",
    "# Written by grlo-kit `deno task export-verl`: the kit's resolved config as verl overrides.",
    `# Keys checked against verl ${
      VERL_CHECKED_COMMIT.slice(0, 7)
    } (see README.md for other versions).`,
    "# Extra key=value arguments are passed on to verl (later ones win).",
    "set -euo pipefail",
    'HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"',
    'cd "$HERE"',
    "# reward/ holds style_mix.py and sitecustomize.py, which registers it inside verl",
    'export PYTHONPATH="$HERE/reward${PYTHONPATH:+:$PYTHONPATH}"',
    'mkdir -p "$HERE/logs"',
    'export VERL_FILE_LOGGER_PATH="${VERL_FILE_LOGGER_PATH:-$HERE/logs/metrics.jsonl}"',
    "",
    "ARGS=(",
  ];
  for (const o of [...plan.overrides, ...plan.rewardKwargs]) {
    lines.push(`  ${o.key}=${hydraValue(o.value)}  # ${o.comment}`);
  }
  lines.push(")");
  for (const o of plan.omitted) lines.push(`# omitted ${o.key}: ${o.reason}`);
  lines.push(
    "",
    'python3 -m verl.trainer.main_ppo "${ARGS[@]}" "$@" 2>&1 | tee "$HERE/logs/train.log"',
    "",
  );
  return lines.join("\n");
}

/** One JSONL record in verl's schema, a gsm8k `{question, answer}` or a MATH `{problem, answer}`. */
function rowOf(raw: Record<string, unknown>, where: string, cfg: TrainerConfig): VerlRow {
  const key = cfg.data.prompt_key;
  const style = cfg.reward_model.enable ? "model" : "rule";
  if (raw[key] !== undefined) {
    const p = raw[key];
    const prompt = typeof p === "string" ? [{ role: "user", content: p }] : p;
    if (
      !Array.isArray(prompt) || prompt.length === 0 ||
      !prompt.every((m) => typeof m?.role === "string" && typeof m?.content === "string")
    ) {
      throw new Error(`${where}: ${key}: expected a list of {role, content} messages`);
    }
    const rm = isPlainObject(raw.reward_model) ? raw.reward_model : {};
    const gt = rm.ground_truth;
    return {
      data_source: String(raw.data_source ?? "unknown"),
      prompt: prompt.map((m) => ({ role: m.role, content: m.content })),
      ability: String(raw.ability ?? "general"),
      reward_model: {
        style: String(rm.style ?? style),
        ground_truth: gt === undefined || gt === null
          ? ""
          : typeof gt === "string"
          ? gt
          : JSON.stringify(gt),
      },
      extra_info: scalarExtra(raw.extra_info),
    };
  }
  if (typeof raw.question === "string" && typeof raw.answer === "string") {
    // verl's examples/data_preprocess/gsm8k.py format, so verl's gsm8k scorer works too
    return {
      data_source: "openai/gsm8k",
      prompt: [{
        role: "user",
        content:
          `${raw.question} Let's think step by step and output the final answer after "####".`,
      }],
      ability: "math",
      reward_model: {
        style: "rule",
        ground_truth: raw.answer.split("#### ").at(-1)!.replaceAll(",", "").trim(),
      },
      extra_info: { question: raw.question, answer: raw.answer },
    };
  }
  if (typeof raw.problem === "string" && raw.answer !== undefined) {
    return {
      data_source: "HuggingFaceH4/MATH-500",
      prompt: [{
        role: "user",
        content:
          `${raw.problem} Let's think step by step and output the final answer within \\boxed{}.`,
      }],
      ability: "math",
      reward_model: { style: "rule", ground_truth: String(raw.answer) },
      extra_info: {},
    };
  }
  throw new Error(
    `${where}: expected verl's schema (a "${key}" field), gsm8k's {question, answer} or ` +
      `MATH's {problem, answer}; got the fields ${Object.keys(raw).join(", ")}`,
  );
}

function scalarExtra(v: unknown): VerlRow["extra_info"] {
  if (!isPlainObject(v)) return {};
  const out: VerlRow["extra_info"] = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = x === null || ["string", "number", "boolean"].includes(typeof x)
      ? x as string | number | boolean | null
      : JSON.stringify(x);
  }
  return out;
}

/**
 * Reads a config's data files as verl rows (`builtin:<name>` sets included).
 *
 * @param files `data.train_files` / `data.val_files`
 * @param cfg the config (`prompt_key`, whether an RM scores)
 * @returns the rows in file order
 * @throws naming file:line for a record of an unknown shape
 */
export async function verlRowsOf(
  files: string | readonly string[],
  cfg: TrainerConfig,
): Promise<VerlRow[]> {
  const out: VerlRow[] = [];
  for (const file of typeof files === "string" ? [files] : files) {
    if (file.startsWith("builtin:")) {
      const make = BUILTIN_PROMPT_SETS[file.slice("builtin:".length)];
      if (!make) throw new Error(`data files: unknown built-in prompt set "${file}"`);
      for (const p of make()) {
        out.push({
          data_source: String(p.meta.data_source),
          prompt: p.messages.map((m) => ({ role: m.role, content: String(m.content) })),
          ability: String(p.meta.ability ?? "general"),
          reward_model: { style: cfg.reward_model.enable ? "model" : "rule", ground_truth: "" },
          extra_info: { index: Number(p.meta.index) },
        });
      }
      continue;
    }
    const lines = (await Deno.readTextFile(file)).split("\n");
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON: ${(e as Error).message}`);
      }
      if (!isPlainObject(raw)) throw new Error(`${file}:${i + 1}: not a JSON object`);
      out.push(rowOf(raw, `${file}:${i + 1}`, cfg));
    });
  }
  if (out.length === 0) throw new Error(`data files: no records in ${describeFiles(files)}`);
  return out;
}

/** What {@link exportVerl} wrote. */
export interface VerlExportResult {
  /** The plan it wrote. */
  plan: VerlExportPlan;
  /** Rows of train.parquet and val.parquet. */
  rows: { train: number; val: number };
  /** Every file written, relative to the export directory. */
  files: string[];
}

const TEMPLATES = ["style_mix.py", "kit_reward.py", "sitecustomize.py"];

/**
 * Writes a runnable verl experiment (see the module doc).
 *
 * @param out the export directory (created; existing files are overwritten)
 * @param options the layers and the cluster shape
 * @returns the plan, the row counts and the files
 * @throws {ConfigError} for a bad config; an Error naming file:line for bad data
 */
export async function exportVerl(
  out: string,
  options: VerlExportOptions,
): Promise<VerlExportResult> {
  const plan = planVerlExport(options);
  const cfg = plan.config;
  if (cfg.data.train_files === null) {
    throw new ConfigError("data.train_files", "data.train_files: give the training prompts");
  }
  const train = await verlRowsOf(cfg.data.train_files, cfg);
  const val = cfg.data.val_files === null
    ? train.slice(0, Math.max(1, cfg.kit.val_prompts))
    : await verlRowsOf(cfg.data.val_files, cfg);
  for (const d of ["data", "reward", "logs"]) await Deno.mkdir(join(out, d), { recursive: true });
  await writeVerlParquet(join(out, "data", "train.parquet"), train);
  await writeVerlParquet(join(out, "data", "val.parquet"), val);
  const sh = join(out, "train.sh");
  await Deno.writeTextFile(sh, renderTrainSh(plan));
  await Deno.chmod(sh, 0o755);
  for (const t of TEMPLATES) {
    const src = new URL(`./python/${t}`, import.meta.url);
    await Deno.writeTextFile(join(out, "reward", t), await Deno.readTextFile(src));
  }
  await Deno.writeTextFile(join(out, "kit_config.json"), JSON.stringify(cfg, null, 2) + "\n");
  await Deno.writeTextFile(join(out, "README.md"), renderReadme(plan, resolve(out)));
  return {
    plan,
    rows: { train: train.length, val: val.length },
    files: [
      "train.sh",
      "data/train.parquet",
      "data/val.parquet",
      ...TEMPLATES.map((t) => `reward/${t}`),
      "kit_config.json",
      "README.md",
    ],
  };
}

/** Keys of the export that verl versions spell differently. */
export const VERSION_NOTES: readonly string[] = [
  "`reward_model.reward_manager` is deprecated at b178a3c in favour of `reward_manager.name` " +
  "(`reward_manager.yaml`, whose default reads the old key through `oc.select`); both work there. " +
  "Before mid-2025 only `reward_model.reward_manager` exists. With `reward_manager.source=importlib " +
  "reward_manager.module.path=$HERE/reward/style_mix.py reward_manager.name=StyleMixRewardManager` " +
  "(b178a3c) the class loads without sitecustomize.py.",
  "At b178a3c `RayPPOTrainer._compute_or_extract_reward` returns `rm_scores` and skips the reward " +
  "manager when a reward model is on; reward/sitecustomize.py moves `rm_scores` aside for style_mix " +
  "batches so the manager runs. Older verl calls the manager with `rm_scores` in the batch.",
  "`trainer.use_legacy_worker_impl` and `trainer.device` exist only in verl from 2025 on; drop them " +
  "for older versions (Hydra refuses unknown keys).",
  "`actor_rollout_ref.actor.optim.lr_scheduler_type` replaced `warmup_style` (kept, deprecated).",
  "`data.train_max_samples`/`val_max_samples` and `rollout.val_kwargs` are missing from early 2025 " +
  "releases; `rollout.name` has no default (`???`) since 2025.",
  "Checkpoints: `default_local_dir/global_step_N/actor/` holds FSDP shards " +
  "(`model_world_size_W_rank_R.pt`) and `huggingface/` (config + tokenizer only); merge with " +
  "`python3 -m verl.model_merger merge --backend fsdp --local_dir .../actor --target_dir " +
  ".../actor/huggingface_merged` (older: `python3 scripts/model_merger.py merge ...`).",
];

/** The experiment's README. */
function renderReadme(plan: VerlExportPlan, dir: string): string {
  const c = plan.config;
  const model = c.actor_rollout_ref.model.path!;
  return `# verl experiment exported by grlo-kit

Launch (on the GPU machine, with verl installed; the paths are relative to this directory):

    bash train.sh                                   # ${c.trainer.nnodes} node(s) x ${c.trainer.n_gpus_per_node} GPU(s)
    bash train.sh trainer.total_epochs=1            # extra key=value pass through to verl

Multi-node: start Ray on every node with this directory's \`reward/\` on PYTHONPATH
(\`PYTHONPATH=$PWD/reward ray start ...\`), then run train.sh on the head node.

Logs: the console goes to \`logs/train.log\` (\`step:N - key:value - ...\`); add
\`trainer.logger='["console","file"]'\` for \`logs/metrics.jsonl\`. Checkpoints go to
\`checkpoints/${c.trainer.project_name}/${c.trainer.experiment_name}/global_step_N/\`.

## Keys

Checked against verl ${VERL_CHECKED_COMMIT} (\`verl/trainer/config/_generated_ppo_trainer.yaml\`,
\`reward_model/reward_model.yaml\`, \`reward_manager.yaml\`). Between versions:

${VERSION_NOTES.map((n) => `- ${n}`).join("\n")}

## Rewards

- \`reward/style_mix.py\`: reward manager \`style_mix\` = RM score (\`rm_scores\`) + the kit's style
  terms, weights from \`+reward_model.reward_kwargs.*\`; terms logged as \`reward/<term>/mean\`.
- \`reward/kit_reward.py\`: the kit's math grader as \`custom_reward_function\` (its doc says where
  verl's own \`gsm8k\`/\`math\` scorers differ).

## Back into the kit

    python3 -m verl.model_merger merge --backend fsdp \\
      --local_dir checkpoints/${c.trainer.project_name}/${c.trainer.experiment_name}/global_step_N/actor \\
      --target_dir checkpoints/${c.trainer.project_name}/${c.trainer.experiment_name}/global_step_N/actor/huggingface_merged
    deno task import-verl --run ${dir} --out runs/verl-import
    deno task eval --model runs/verl-import/checkpoints/step-N/policy --suites gsm8k,humaneval --out runs/verl-import/eval/step-N

Evaluate large checkpoints through a serving engine and the kit's client:

    vllm serve CHECKPOINT_DIR --served-model-name policy --port 8000 --max-model-len ${
    c.data.max_prompt_length + c.data.max_response_length
  }
    python3 -m sglang.launch_server --model-path CHECKPOINT_DIR --served-model-name policy --port 8000
    deno task eval --endpoint http://127.0.0.1:8000/v1 --model-name policy --suites gsm8k,math500,humaneval --out runs/eval-verl

Policy: ${model}.
`;
}
