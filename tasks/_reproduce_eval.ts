/**
 * The real profiles' first stage for `deno task reproduce`: make (toy random models) or
 * download a base model and a reward model, evaluate the base model on every real suite
 * through the kit's sampler, graders and sandbox, score chat with the reward model, and print
 * the transfer table.
 *
 * @module
 */

import { join } from "node:path";
import { DEFAULT_GENERATION, type GenerationSettings } from "../lib/eval/generate.ts";
import { openGenerator } from "../lib/eval/open_generator.ts";
import { listSuites } from "../lib/eval/registry.ts";
import { type EvalSummaryFile, runEval } from "../lib/eval/run.ts";
import { formatTransferTable, transferRows } from "../lib/eval/summary.ts";
import { RewardModel } from "../lib/reward/reward_model.ts";
import { formatDuration } from "../lib/util/progress.ts";
import { getProfile } from "./_reproduce_profiles.ts";

/** Options of {@link evaluateBase}. */
export interface EvaluateBaseOptions {
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

/** The real suites of the transfer table (not the generic `math` file suite, not the toy ones). */
export function reproduceSuites(): string[] {
  return listSuites().map((s) => s.name).filter((n) => n !== "math" && !n.startsWith("toy-"));
}

/**
 * Evaluates a profile's base model on every suite with its reward model for chat: the
 * "before" column of the paper's transfer table (the real profiles' first stage).
 *
 * @param o profile, limits, run directory
 * @returns the evaluation summary and the run directory
 */
export async function evaluateBase(
  o: EvaluateBaseOptions = {},
): Promise<{ summary: EvalSummaryFile; runDir: string }> {
  const print = o.print ?? ((l: string) => console.log(l));
  const profile = getProfile(o.profile ?? "toy");
  const runDir = o.out ?? join("runs", `reproduce-${profile.name}`);
  const suites = o.suites ?? reproduceSuites();
  const limit = o.limit === undefined ? profile.limit : o.limit;
  const t0 = performance.now();
  print(`grlo-kit reproduce — profile ${profile.name}: ${profile.description}`);
  print('Stage 1: the BASE model on every suite — the "before" column of the paper\'s table.');
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
