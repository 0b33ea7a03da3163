/**
 * Evaluate a model on the benchmark suites, or grade completions produced elsewhere.
 *
 * ```sh
 * # generate with the kit's sampler, grade, summarise (resumable: rerun to continue)
 * deno task eval --model runs/tiny --suites gsm8k,math500,humaneval --out runs/eval-tiny --limit 20
 * # through a serving engine (vLLM, SGLang, deno task serve)
 * deno task eval --endpoint http://localhost:8000/v1 --model-name Qwen/Qwen3-4B-Base --suites all --out runs/eval-4b
 * # Arena-Hard with a reward model as the judge
 * deno task eval --model runs/tiny --suites arena-hard --reward-model runs/rm --out runs/eval-tiny
 * # grade evalplus / MultiPL-E / math samples without generating
 * deno task eval --suite humaneval --samples samples.jsonl --out runs/graded
 * deno task eval --suite math --samples my_math.jsonl      # records carry their own "answer"
 * ```
 *
 * Writes `OUT/<suite>.jsonl` (one record per sample), `OUT/summary.json` and, for chat suites
 * scored with a reward model, `OUT/<suite>.rm.jsonl`; prints the transfer table.
 *
 * @module
 */

import { basename, join } from "node:path";
import { z } from "zod";
import { CliError, type CliSpec, parseCli, runMain, splitList } from "../lib/cli.ts";
import { DEFAULT_GENERATION, type GenerationSettings } from "../lib/eval/generate.ts";
import { openGenerator } from "../lib/eval/open_generator.ts";
import { regradeSamples } from "../lib/eval/regrade.ts";
import { getSuite, listSuites } from "../lib/eval/registry.ts";
import { type EvalSummaryFile, runEval } from "../lib/eval/run.ts";
import { formatTransferTable, transferRows } from "../lib/eval/summary.ts";
import { RewardModel } from "../lib/reward/reward_model.ts";

const spec = {
  command: "deno task eval",
  summary: "Generate, grade and summarise a model on the evaluation suites (resumable), or " +
    "grade a samples file produced elsewhere (--samples).",
  options: {
    model: { type: "string", valueName: "DIR", description: "HF model directory (kit sampler)" },
    endpoint: {
      type: "string",
      valueName: "URL",
      description: "OpenAI-compatible server instead of --model (vLLM, SGLang, deno task serve)",
    },
    "model-name": { type: "string", valueName: "NAME", description: "model name (served id)" },
    suites: {
      type: "string",
      valueName: "a,b|all",
      description: `suites: ${listSuites().map((s) => s.name).join(", ")}, or all`,
    },
    suite: { type: "string", valueName: "NAME", description: "one suite (with --samples)" },
    samples: {
      type: "string",
      valueName: "FILE",
      description: "grade this evalplus / MultiPL-E / math JSONL instead of generating",
    },
    out: { type: "string", valueName: "DIR", description: "output directory" },
    limit: { type: "string", valueName: "N", description: "first N tasks of each suite" },
    n: { type: "string", valueName: "N", default: "1", description: "samples per task" },
    temperature: { type: "string", valueName: "T", default: "0", description: "0 = greedy" },
    "top-p": { type: "string", valueName: "P", default: "1", description: "nucleus sampling" },
    "max-tokens": {
      type: "string",
      valueName: "N",
      default: "512",
      description: "most new tokens per response",
    },
    seed: { type: "string", valueName: "N", default: "0", description: "run seed" },
    "prompt-style": {
      type: "string",
      valueName: "chat|completion",
      description: "prompt style for every suite (default: each suite's own)",
    },
    "reward-model": {
      type: "string",
      valueName: "DIR",
      description: "seq-cls reward model that scores chat suites (Arena-Hard)",
    },
    "rm-name": { type: "string", valueName: "NAME", description: "reward model name to report" },
    "rm-max-length": {
      type: "string",
      valueName: "N",
      description: "longest pair the RM scores (default: its max_position_embeddings)",
    },
    "batch-size": {
      type: "string",
      valueName: "N",
      default: "8",
      description: "requests per generate call",
    },
    threads: { type: "string", valueName: "N", description: "onnxruntime intra-op threads" },
    mirror: {
      type: "string",
      valueName: "DIR",
      description: "local data mirror laid out like ../shared/data (env GRLO_DATA_DIR)",
    },
    "allow-unsandboxed": {
      type: "boolean",
      description: "run generated code without a sandbox when none works here (unsafe)",
    },
  },
  examples: [
    "deno task eval --model runs/tiny --suites gsm8k,humaneval --out runs/eval-tiny --limit 20",
    "deno task eval --suite humaneval --samples samples.jsonl --out runs/graded",
  ],
} as const satisfies CliSpec;

function num(flag: string, value: string | undefined, schema: z.ZodNumber): number | undefined {
  if (value === undefined) return undefined;
  const r = schema.safeParse(Number(value));
  if (value.trim() === "" || !r.success) {
    throw new CliError(`--${flag}: expected ${schema.description ?? "a number"}, got "${value}"`);
  }
  return r.data;
}

const posInt = z.number().int().positive().describe("a positive integer");
const nonNegInt = z.number().int().nonnegative().describe("a non-negative integer");

/**
 * Prints where the files are and the transfer table of a summary.
 *
 * @param out the output directory
 * @param summary the summary
 */
export function printResults(out: string, summary: EvalSummaryFile): void {
  console.log("");
  console.log(formatTransferTable(transferRows(summary.suites)));
  for (const w of summary.warnings) console.log(`warning: ${w}`);
  console.log("");
  console.log(`records: ${join(out, "<suite>.jsonl")}   summary: ${join(out, "summary.json")}`);
}

async function main(): Promise<number> {
  const cli = parseCli(Deno.args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return 0;
  }
  const v = cli.values;
  if (v["allow-unsandboxed"]) Deno.env.set("GRLO_ALLOW_UNSANDBOXED", "1");
  const dataDir = v.mirror;
  if (v.samples !== undefined) {
    const suite = v.suite ??
      (splitList(v.suites).length === 1 ? splitList(v.suites)[0] : undefined);
    if (suite === undefined) throw new CliError("--samples needs --suite NAME");
    const out = v.out ??
      join("runs", `graded-${basename(v.samples).replace(/\.jsonl(\.gz)?$/, "")}`);
    const summary = await regradeSamples({ suite, samples: v.samples, out, dataDir });
    printResults(out, summary);
    return 0;
  }
  if ((v.model === undefined) === (v.endpoint === undefined)) {
    throw new CliError("give exactly one of --model DIR and --endpoint URL (or --samples FILE)");
  }
  const names = v.suite !== undefined ? [v.suite] : splitList(v.suites);
  const suites = names.length === 1 && names[0] === "all"
    ? listSuites().map((s) => s.name).filter((n) => n !== "math")
    : names;
  if (suites.length === 0) throw new CliError("--suites: name at least one suite (or all)");
  for (const n of suites) {
    try {
      getSuite(n);
    } catch (e) {
      throw new CliError(`--suites: ${(e as Error).message}`);
    }
  }
  const style = v["prompt-style"];
  if (style !== undefined && style !== "chat" && style !== "completion") {
    throw new CliError(`--prompt-style: expected chat or completion, got "${style}"`);
  }
  const settings: GenerationSettings = {
    ...DEFAULT_GENERATION,
    n: num("n", v.n, posInt)!,
    temperature: num("temperature", v.temperature, z.number().min(0).describe("T >= 0"))!,
    topP: num("top-p", v["top-p"], z.number().gt(0).max(1).describe("0 < P <= 1"))!,
    maxTokens: num("max-tokens", v["max-tokens"], posInt)!,
    seed: num("seed", v.seed, nonNegInt)!,
    promptStyle: style ?? "default",
  };
  const threads = num("threads", v.threads, posInt);
  const source = await openGenerator({
    model: v.model,
    endpoint: v.endpoint,
    modelName: v["model-name"],
    threads,
  });
  const out = v.out ?? join("runs", `eval-${basename(source.identity.name)}`);
  const rm = v["reward-model"] === undefined ? null : await RewardModel.load(v["reward-model"], {
    name: v["rm-name"],
    maxLength: num("rm-max-length", v["rm-max-length"], posInt),
    threads,
  });
  try {
    console.error(`eval: ${JSON.stringify({ model: source.identity, suites, settings, out })}`);
    const summary = await runEval({
      out,
      suites,
      generator: source.generator,
      model: source.identity,
      tokenizer: source.tokenizer,
      settings,
      limit: num("limit", v.limit, posInt),
      dataDir,
      rewardModel: rm,
      batchSize: num("batch-size", v["batch-size"], posInt),
    });
    printResults(out, summary);
  } finally {
    await source.generator.close();
    await rm?.release();
  }
  return 0;
}

if (import.meta.main) await runMain(main);
