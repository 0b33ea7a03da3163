/**
 * The main job: make (or download) a base model and a reward model, evaluate the base model
 * on every suite through the kit's real sampler, graders and sandbox, score chat with the
 * reward model, and print the transfer table: the "before" column of the GRLO paper's table.
 * RL training on open-ended prompts (the "after" column) is milestone 2.
 *
 * ```sh
 * deno task reproduce                                  # toy profile: a fresh 2-core CPU, minutes
 * deno task reproduce --limit 50 --max-tokens 64       # more tasks per suite
 * deno task reproduce --suites gsm8k,humaneval         # a subset
 * deno task reproduce --profile qwen3-0.6b             # Qwen3-0.6B-Base + Skywork-Reward-V2-Qwen3-0.6B
 * deno task reproduce --profile paper --endpoint http://localhost:8000/v1   # generation on vLLM
 * GRLO_DATA_DIR=../shared/data deno task reproduce     # data from a local mirror (offline)
 * ```
 *
 * Everything lives in one run directory (`runs/reproduce-<profile>/`): `model/` and
 * `reward-model/` (toy), `eval/<suite>.jsonl`, `eval/summary.json`. Rerunning reuses the models
 * and the finished records.
 *
 * @module
 */

import { join } from "node:path";
import { CliError, type CliSpec, parseCli, positiveInt, runMain, splitList } from "../lib/cli.ts";
import { DEFAULT_GENERATION, type GenerationSettings } from "../lib/eval/generate.ts";
import { openGenerator } from "../lib/eval/open_generator.ts";
import { listSuites } from "../lib/eval/registry.ts";
import { type EvalSummaryFile, runEval } from "../lib/eval/run.ts";
import { formatTransferTable, transferRows } from "../lib/eval/summary.ts";
import { RewardModel } from "../lib/reward/reward_model.ts";
import { formatDuration } from "../lib/util/progress.ts";
import { getProfile, PROFILES } from "./_reproduce_profiles.ts";

const spec = {
  command: "deno task reproduce",
  summary: "Make a base model and a reward model, evaluate the base model on every suite " +
    '(math, code, chat) and print the transfer table: the "before" column of the GRLO paper. ' +
    "Resumable: rerun to continue.",
  options: {
    profile: {
      type: "string",
      default: "toy",
      valueName: PROFILES.join("|"),
      description: "which models",
    },
    limit: { type: "string", valueName: "N", description: "tasks per suite (default: profile's)" },
    suites: { type: "string", valueName: "a,b", description: "suites (default: every suite)" },
    out: {
      type: "string",
      valueName: "DIR",
      description: "run directory (default runs/reproduce-<profile>)",
    },
    endpoint: {
      type: "string",
      valueName: "URL",
      description:
        "generate on an OpenAI-compatible server (vLLM, SGLang) serving the profile's model",
    },
    "max-tokens": {
      type: "string",
      valueName: "N",
      description: "most new tokens per response (default: profile's)",
    },
    threads: { type: "string", valueName: "N", description: "onnxruntime intra-op threads" },
    mirror: {
      type: "string",
      valueName: "DIR",
      description: "local data mirror laid out like ../shared/data (env GRLO_DATA_DIR)",
    },
  },
  examples: ["deno task reproduce", "deno task reproduce --profile qwen3-0.6b --limit 100"],
} as const satisfies CliSpec;

/** Options of {@link reproduce}. */
export interface ReproduceOptions {
  /** Profile name. @default "toy" */
  profile?: string;
  /** Tasks per suite. @default the profile's */
  limit?: number | null;
  /** Suites. @default every registered suite except the generic `math` */
  suites?: string[];
  /** Run directory. @default runs/reproduce-<profile> */
  out?: string;
  /** OpenAI-compatible server. */
  endpoint?: string;
  /** Most new tokens. @default the profile's */
  maxTokens?: number;
  /** onnxruntime threads. */
  threads?: number;
  /** Local data mirror. */
  dataDir?: string;
  /** Output lines (the header and the table). @default console.log */
  print?: (line: string) => void;
  /** Progress output. @default stderr */
  progressWrite?: (text: string) => void;
}

/** The suites of the transfer table (the generic `math` suite needs the user's own file). */
export function reproduceSuites(): string[] {
  return listSuites().map((s) => s.name).filter((n) => n !== "math");
}

/**
 * Runs the main job.
 *
 * @param o profile, limits, run directory
 * @returns the evaluation summary and the run directory
 */
export async function reproduce(
  o: ReproduceOptions = {},
): Promise<{ summary: EvalSummaryFile; runDir: string }> {
  const print = o.print ?? ((l: string) => console.log(l));
  const profile = getProfile(o.profile ?? "toy");
  const runDir = o.out ?? join("runs", `reproduce-${profile.name}`);
  const suites = o.suites ?? reproduceSuites();
  const limit = o.limit === undefined ? profile.limit : o.limit;
  const t0 = performance.now();
  print(`grlo-kit reproduce — profile ${profile.name}: ${profile.description}`);
  print(
    'Milestone 1: this evaluates the BASE model on every suite — the "before" column of the ' +
      "paper's transfer table.",
  );
  print(
    'RL training on open-ended prompts (GRLO: PPO + reward model, the "after" column) is ' +
      "milestone 2 and is not run yet.",
  );
  print(`run directory: ${runDir}`);
  await Deno.mkdir(runDir, { recursive: true });
  const models = await profile.prepare(runDir, { policy: o.endpoint === undefined, log: print });
  const settings: GenerationSettings = {
    ...DEFAULT_GENERATION,
    maxTokens: o.maxTokens ?? profile.maxTokens,
  };
  const source = await openGenerator(
    o.endpoint !== undefined
      ? { endpoint: o.endpoint, modelName: models.modelName }
      : { model: models.model, modelName: models.modelName, threads: o.threads },
  );
  let rm: RewardModel | null = null;
  try {
    rm = suites.some((s) => listSuites("chat").some((c) => c.name === s))
      ? await RewardModel.load(models.rewardModel, {
        name: models.rmName,
        maxLength: profile.rmMaxLength,
        threads: o.threads,
      })
      : null;
    const summary = await runEval({
      out: join(runDir, "eval"),
      suites,
      generator: source.generator,
      model: source.identity,
      tokenizer: source.tokenizer,
      settings,
      limit: limit ?? undefined,
      dataDir: o.dataDir,
      rewardModel: rm,
      progressWrite: o.progressWrite,
    });
    print("");
    print(
      `Transfer table, before RL (${models.modelName}; n = tasks per suite; chat judged by ` +
        `${rm?.name ?? "no reward model"} against gpt-4-0314):`,
    );
    print(formatTransferTable(transferRows(summary.suites)));
    if (profile.note) print(`note: ${profile.note}`);
    for (const w of summary.warnings) print(`warning: ${w}`);
    print("");
    print(`policy model:  ${models.model}`);
    print(`reward model:  ${models.rewardModel}`);
    print(`records:       ${join(runDir, "eval", "<suite>.jsonl")}`);
    print(`summary:       ${join(runDir, "eval", "summary.json")}`);
    print(`done in ${formatDuration((performance.now() - t0) / 1000)} (rerun to reuse everything)`);
    return { summary, runDir };
  } finally {
    await source.generator.close();
    await rm?.release();
  }
}

function optionalInt(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : positiveInt(flag, value);
}

async function main(): Promise<number> {
  const cli = parseCli(Deno.args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return 0;
  }
  const v = cli.values;
  if (!(PROFILES as readonly string[]).includes(v.profile)) {
    throw new CliError(`--profile: expected one of ${PROFILES.join(", ")}, got "${v.profile}"`);
  }
  const suites = splitList(v.suites);
  await reproduce({
    profile: v.profile,
    limit: optionalInt("limit", v.limit),
    suites: suites.length > 0 ? suites : undefined,
    out: v.out,
    endpoint: v.endpoint,
    maxTokens: optionalInt("max-tokens", v["max-tokens"]),
    threads: optionalInt("threads", v.threads),
    dataDir: v.mirror,
  });
  return 0;
}

if (import.meta.main) await runMain(main);
