import assert from "node:assert/strict";
import type { SuiteSummary } from "../../lib/eval/summary.ts";
import { buildReport, domainAverages, formatReport } from "../../lib/pipeline/report.ts";
import type { EvaluatedStage, ToyPipelineResult } from "../../lib/pipeline/toy.ts";

function suite(
  name: string,
  domain: "math" | "code" | "chat",
  value: number,
  tasks: number,
  stop: number,
): SuiteSummary {
  return {
    suite: name,
    domain,
    prompt_style: "chat",
    metric: domain === "chat" ? "win_rate" : "accuracy",
    value,
    tasks,
    samples: tasks,
    min_samples_per_task: 1,
    correct: null,
    accuracy: null,
    pass_at_k: {},
    finish_reasons: { stop, length: tasks - stop },
    mean_tokens: 10,
    generation_s: 1,
    grader: { name: "x", source: "x", sha256: null },
    warnings: [],
    ...(domain === "chat"
      ? {
        chat: {
          reward_model: "rm",
          baseline: "ref",
          questions: tasks,
          report: { winRate: { value, lower: value - 0.1, upper: value + 0.1 } },
          mean_score: { ours: 0, baseline: 0 },
          truncated: { ours: 0, baseline: 0 },
        } as unknown as SuiteSummary["chat"],
      }
      : {}),
  };
}

function stage(
  name: string,
  method: EvaluatedStage["method"],
  seed: number | null,
  math: number,
  code: number,
  chat: number,
  stop: number,
): EvaluatedStage {
  return {
    stage: name,
    method,
    seed,
    model: `m/${name}`,
    summary: {
      created: "",
      mode: "generate",
      model: { dir: "", name: "" } as never,
      generation: null,
      limit: null,
      sandbox: { available: true, problem: null },
      suites: [
        suite("toy-chat", "chat", chat, 100, stop),
        suite("toy-math", "math", math, 100, stop),
        suite("toy-code", "code", code, 100, stop),
      ],
      warnings: [],
    },
  };
}

Deno.test("domainAverages() averages suites within a domain, then the domains", () => {
  const r = domainAverages([
    { suite: "a", domain: "math", metric: "accuracy", value: 0.2, n: 10, ci: null },
    { suite: "b", domain: "math", metric: "accuracy", value: 0.4, n: 10, ci: null },
    { suite: "c", domain: "code", metric: "pass@1", value: 0.9, n: 10, ci: null },
  ]);
  assert.ok(Math.abs(r.domains.math! - 0.3) < 1e-12);
  assert.equal(r.domains.code, 0.9);
  assert.equal(r.domains.chat, null);
  assert.ok(Math.abs(r.average! - 0.6) < 1e-12);
});

Deno.test("buildReport() gives per-method numbers with CIs, mean over seeds, clean stops and the RLVR/GRLO ratios", () => {
  const result: ToyPipelineResult = {
    out: "o",
    sizes: {} as never,
    evaluations: [
      stage("base", "base", null, 0.1, 0.0, 0.2, 0),
      stage("grlo", "grlo", 1, 0.3, 0.1, 0.6, 80),
      stage("grlo.seed2", "grlo", 2, 0.5, 0.3, 0.8, 100),
    ],
    costs: [
      {
        stage: "grlo",
        prompts: 100,
        tokensGenerated: 1000,
        tokensTrained: 2000,
        cpuSeconds: 10,
        wallSeconds: 10,
      },
      {
        stage: "grlo.seed2",
        prompts: 100,
        tokensGenerated: 1000,
        tokensTrained: 2000,
        cpuSeconds: 30,
        wallSeconds: 30,
      },
      {
        stage: "rlvr",
        prompts: 600,
        tokensGenerated: 1000,
        tokensTrained: 2000,
        cpuSeconds: 160,
        wallSeconds: 160,
      },
    ],
    latentSkill: {
      ...stage("base-completion", "base", null, 0.4, 0.25, 0, 0).summary,
      suites: [suite("toy-math", "math", 0.4, 100, 0), suite("toy-code", "code", 0.25, 100, 0)],
    },
    pretrain: { final: { "val/loss": 1.5 }, metrics: "" },
    rewardModel: { final: { "val/accuracy": 0.9 }, metrics: "" },
  };
  const rep = buildReport(result, "toy");
  const base = rep.methods.find((m) => m.method === "base")!;
  const grlo = rep.methods.find((m) => m.method === "grlo")!;
  // Accuracy CI: 0.1 +- 1.96 sqrt(0.1 * 0.9 / 100) = 0.1 +- 0.0588.
  const math = base.suites.find((s) => s.suite === "toy-math")!;
  assert.ok(
    Math.abs(math.ci![0] - (0.1 - 0.0588)) < 1e-4 && Math.abs(math.ci![1] - (0.1 + 0.0588)) < 1e-4,
  );
  assert.deepEqual(base.suites.find((s) => s.suite === "toy-chat")!.ci, [0.1, 0.30000000000000004]);
  // Two seeds: mean 0.4, t-interval 0.4 +- 12.71 * 0.1414 / sqrt(2) = 0.4 +- 1.271.
  const gm = grlo.suites.find((s) => s.suite === "toy-math")!;
  assert.ok(Math.abs(gm.value! - 0.4) < 1e-12);
  assert.ok(Math.abs(gm.ci![1] - 0.4 - 12.71 * Math.sqrt(0.02) / Math.SQRT2) < 1e-9);
  assert.equal(grlo.seeds, 2);
  assert.ok(Math.abs(grlo.average! - (0.7 + 0.4 + 0.2) / 3) < 1e-12);
  assert.equal(grlo.cleanStopRate, 540 / 600);
  assert.equal(base.cleanStopRate, 0);
  assert.equal(rep.ratios.data, 3); // 600 RLVR prompts / 200 GRLO prompts
  assert.equal(rep.ratios.compute, 4); // 160 CPU s / 40
  const text = formatReport(rep).join("\n");
  assert.match(text, /grlo vs base: improved toy-chat \+50\.0.*toy-math \+30\.0/);
  assert.match(text, /RLVR \/ GRLO: 3\.00x the prompts, 4\.00x the CPU time/);
  assert.match(
    text,
    /base with completion prompts \(latent skill\): toy-math 40\.0, toy-code 25\.0/,
  );
});
