/**
 * The main job: the GRLO pipeline end to end.
 *
 * ```sh
 * deno task reproduce                       # toy profile, offline, ~20-30 min on 2 cores
 * deno task reproduce --quick               # the same pipeline, small (CI, smoke: minutes)
 * deno task reproduce --seeds 3             # 3 RL seeds per stage: CIs over seeds
 * deno task reproduce --profile qwen3-0.6b  # Qwen3-0.6B-Base + Skywork-Reward-V2-Qwen3-0.6B
 * ```
 *
 * `toy` (default): a toy open-ended world -> a base model pre-trained by the kit on its corpus
 * and a reward model trained on its preference pairs -> evaluate base -> GRLO (PPO + GAE +
 * critic on open-ended prompts, RM reward with style shaping) -> evaluate -> in-domain RLVR
 * (GRPO on toy-math problems with the verifier) -> evaluate -> GRLO -> RLVR -> evaluate ->
 * `OUT/report.json` + `OUT/report.html`. Nothing to download, no system package. Every stage is
 * cached; kill it at any point and rerun to continue.
 *
 * Real profiles evaluate the downloaded base model on the real suites; training them needs a
 * GPU execution provider (`GRLO_EP=cuda|webgpu`), or `--allow-cpu`.
 *
 * @module
 */

import { join } from "node:path";
import { CliError, type CliSpec, parseCli, positiveInt, runMain, splitList } from "../lib/cli.ts";
import { buildReport, formatReport, writeReportJson } from "../lib/pipeline/report.ts";
import { writeReportHtml } from "../lib/pipeline/report_html.ts";
import { runToyPipeline } from "../lib/pipeline/toy.ts";
import { formatDuration } from "../lib/util/progress.ts";
import { evaluateBase } from "./_reproduce_eval.ts";
import { PROFILES } from "./_reproduce_profiles.ts";
import { gateRealTraining } from "./_reproduce_real.ts";

const spec = {
  command: "deno task reproduce",
  summary: "Run the GRLO pipeline: base model -> evaluate -> GRLO -> RLVR -> GRLO->RLVR -> " +
    "evaluate each -> report. Resumable: rerun to continue.",
  options: {
    profile: {
      type: "string",
      default: "toy",
      valueName: PROFILES.join("|"),
      description: "which models",
    },
    quick: {
      type: "boolean",
      description: "toy profile, small sizes (CI and smoke runs: minutes)",
    },
    seeds: {
      type: "string",
      default: "1",
      valueName: "N",
      description: "RL seeds per training stage",
    },
    out: {
      type: "string",
      valueName: "DIR",
      description: "output directory (default runs/reproduce-<profile>)",
    },
    threads: { type: "string", valueName: "N", description: "onnxruntime intra-op threads" },
    limit: { type: "string", valueName: "N", description: "real profiles: tasks per suite" },
    suites: {
      type: "string",
      valueName: "a,b",
      description: "real profiles: suites (default every real suite)",
    },
    endpoint: {
      type: "string",
      valueName: "URL",
      description: "real profiles: generate on an OpenAI-compatible server",
    },
    "max-tokens": {
      type: "string",
      valueName: "N",
      description: "real profiles: most new tokens per response",
    },
    mirror: {
      type: "string",
      valueName: "DIR",
      description: "real profiles: local data mirror (env GRLO_DATA_DIR)",
    },
    "allow-cpu": { type: "boolean", description: "real profiles: train on the CPU anyway (days)" },
  },
  examples: [
    "deno task reproduce --quick",
    "deno task reproduce --seeds 3",
    "deno task reproduce --profile qwen3-0.6b --limit 100",
  ],
} as const satisfies CliSpec;

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
  const threads = optionalInt("threads", v.threads);
  const seeds = positiveInt("seeds", v.seeds);
  const out = v.out ?? join("runs", `reproduce-${v.profile}`);
  const t0 = performance.now();
  if (v.profile !== "toy") {
    const suites = splitList(v.suites);
    await evaluateBase({
      profile: v.profile,
      limit: optionalInt("limit", v.limit),
      suites: suites.length > 0 ? suites : undefined,
      out,
      endpoint: v.endpoint,
      maxTokens: optionalInt("max-tokens", v["max-tokens"]),
      threads,
      dataDir: v.mirror,
    });
    return gateRealTraining(v.profile, v["allow-cpu"]);
  }
  console.log(`grlo-kit reproduce — toy profile${v.quick ? " (--quick)" : ""}: ${out}`);
  const result = await runToyPipeline({ out, quick: v.quick, seeds, threads });
  const report = buildReport(result, v.quick ? "toy --quick" : "toy");
  await writeReportJson(out, report);
  await writeReportHtml(out, report, result);
  console.log("");
  for (const line of formatReport(report)) console.log(line);
  console.log("");
  console.log(`report: ${join(out, "report.html")} and ${join(out, "report.json")}`);
  console.log(
    `done in ${
      formatDuration((performance.now() - t0) / 1000)
    } (rerun to reuse every finished stage)`,
  );
  return 0;
}

if (import.meta.main) await runMain(main);
