/**
 * An evaluation run over several suites: for each suite, generate and grade the missing
 * samples (`generate.ts`), score chat suites with a reward model (`run_chat.ts`), summarise,
 * and write `OUT/summary.json` (per-suite metrics, the model, generation settings, grader
 * versions, the sandbox state and warnings). Everything is resumable: rerunning the same
 * command skips finished records and cached reward scores.
 *
 * @module
 */

import { join } from "node:path";
import type { RewardModel } from "../reward/reward_model.ts";
import { sandboxProblem } from "../reward/code/sandbox.ts";
import type { Generator } from "../rollout/types.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import { generateSuite, type GenerationSettings, promptStyleFor } from "./generate.ts";
import { checkRunIdentity, type RunIdentity } from "./run_identity.ts";
import { getSuite, listSuites } from "./registry.ts";
import { scoreChatSuite } from "./run_chat.ts";
import { type SuiteSummary, summarizeSuite } from "./summary.ts";

/** `OUT/summary.json`. */
export interface EvalSummaryFile {
  /** When it was written (ISO 8601). */
  created: string;
  /** `generate` (this kit generated the responses) or `samples` (re-graded completions). */
  mode: "generate" | "samples";
  /** The model (directory or endpoint) and its name; for `samples`, the samples file. */
  model: RunIdentity["model"] | { samples: string };
  /** Generation settings (null for `samples`). */
  generation: GenerationSettings | null;
  /** Tasks per suite asked for (null: all). */
  limit: number | null;
  /** Whether untrusted code runs inside the sandbox here, and why not. */
  sandbox: { available: boolean; problem: string | null };
  /** Per suite, in the registry's (transfer table) order. */
  suites: SuiteSummary[];
  /** Warnings gathered from every suite. */
  warnings: string[];
}

/** Options of {@link runEval}. */
export interface RunEvalOptions {
  /** Output directory. */
  out: string;
  /** Suite names, in any order. */
  suites: string[];
  /** What makes the samples. */
  generator: Generator;
  /** The model, for `run.json` and the summary. */
  model: RunIdentity["model"];
  /** The model's tokenizer (to store prompts as the model saw them). */
  tokenizer?: Tokenizer;
  /** Generation settings. */
  settings: GenerationSettings;
  /** Tasks per suite. */
  limit?: number;
  /** Local data mirror. */
  dataDir?: string;
  /** Reward model for chat suites; without one they are generated but not scored. */
  rewardModel?: RewardModel | null;
  /** Requests per generate call. @default 8 */
  batchSize?: number;
  /** Warnings. @default console.warn */
  warn?: (message: string) => void;
  /** Progress output. @default stderr */
  progressWrite?: (text: string) => void;
}

/**
 * Reads an existing `summary.json` (for merging suites of earlier invocations).
 *
 * @param out the output directory
 * @returns the summary, or null when there is none
 */
export async function readSummary(out: string): Promise<EvalSummaryFile | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(out, "summary.json"))) as EvalSummaryFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new Error(`${join(out, "summary.json")}: ${(e as Error).message}`);
  }
}

/**
 * Writes `summary.json`, keeping the summaries of suites an earlier invocation evaluated into
 * the same directory (same model and settings, checked by `run.json`) and ordering suites as
 * the registry does.
 *
 * @param out the output directory
 * @param summary this invocation's summary
 * @returns what was written
 */
export async function writeSummary(
  out: string,
  summary: EvalSummaryFile,
): Promise<EvalSummaryFile> {
  const old = await readSummary(out);
  const mine = new Set(summary.suites.map((s) => s.suite));
  const kept = old !== null && old.mode === summary.mode
    ? old.suites.filter((s) => !mine.has(s.suite))
    : [];
  const order = listSuites().map((s) => s.name);
  const rank = (n: string) => order.includes(n) ? order.indexOf(n) : order.length;
  const suites = [...kept, ...summary.suites].sort((a, b) => rank(a.suite) - rank(b.suite));
  const warnings = suites.flatMap((s) => s.warnings.map((w) => `${s.suite}: ${w}`));
  const merged = { ...summary, suites, warnings };
  await writeJsonAtomic(join(out, "summary.json"), merged);
  return merged;
}

/**
 * Runs (or resumes) an evaluation and writes its records and summary.
 *
 * @param o output, suites, generator, model, settings, reward model
 * @returns the summary written to `OUT/summary.json`
 *
 * @example
 * ```ts ignore
 * const generator = await LocalGenerator.load("runs/tiny");
 * const s = await runEval({ out: "runs/eval", suites: ["gsm8k"], generator, limit: 8,
 *   model: { name: "tiny", path: "runs/tiny", endpoint: null }, settings: DEFAULT_GENERATION });
 * await generator.close();
 * ```
 */
export async function runEval(o: RunEvalOptions): Promise<EvalSummaryFile> {
  const suites = o.suites.map((n) => getSuite(n));
  await checkRunIdentity(o.out, { model: o.model, generation: o.settings });
  const problem = await sandboxProblem();
  const summaries: SuiteSummary[] = [];
  for (const suite of suites) {
    const tasks = await suite.load({ limit: o.limit, dataDir: o.dataDir, onWarning: o.warn });
    const { records } = await generateSuite(suite, {
      out: o.out,
      generator: o.generator,
      settings: o.settings,
      tasks,
      tokenizer: o.tokenizer,
      batchSize: o.batchSize,
      warn: o.warn,
      progressWrite: o.progressWrite,
    });
    const warnings: string[] = [];
    let chat;
    if (suite.domain === "chat" && o.rewardModel) {
      chat = await scoreChatSuite(suite.name, tasks, records, {
        out: o.out,
        rewardModel: o.rewardModel,
        warn: o.warn,
        progressWrite: o.progressWrite,
      });
      if (chat.truncated.ours + chat.truncated.baseline > 0) {
        warnings.push(
          `${chat.truncated.ours} responses and ${chat.truncated.baseline} baseline answers were ` +
            `cut to the reward model's maximum length`,
        );
      }
    }
    summaries.push(
      await summarizeSuite(suite, records, {
        promptStyle: promptStyleFor(suite, o.settings),
        warnings,
        chat,
      }),
    );
  }
  return await writeSummary(o.out, {
    created: new Date().toISOString(),
    mode: "generate",
    model: o.model,
    generation: o.settings,
    limit: o.limit ?? null,
    sandbox: { available: problem === null, problem },
    suites: summaries,
    warnings: [],
  });
}
