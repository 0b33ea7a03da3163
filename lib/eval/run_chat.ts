/**
 * Scoring a chat suite (Arena-Hard) with a reward model: our responses and the baseline's
 * reference answers are scored with the same sequence-classification RM, and the run reports
 * the win rate (mean over questions of sigmoid(r(ours) - r(baseline))), its bootstrap 95% CI
 * over questions (100 rounds, as Arena-Hard), the hard win rate (ties 0.5), the
 * length-controlled win rate and length statistics, naming the RM.
 *
 * Scores are cached in `OUT/<suite>.rm.jsonl` (one line per scored response, keyed by the RM's
 * name), so a resumed run scores only what is new.
 *
 * @module
 */

import { join } from "node:path";
import { z } from "zod";
import type { RewardModel } from "../reward/reward_model.ts";
import { createProgress } from "../util/progress.ts";
import { chatWinRate } from "./chat/report.ts";
import { mean } from "./chat/stats.ts";
import { appendJsonLines, type EvalRecord, loadForResume, recordKey } from "./records.ts";
import type { ChatSummary } from "./summary.ts";
import type { EvalTask } from "./suite.ts";

/** One cached reward-model score. */
export const ScoreLineSchema = z.object({
  id: z.string(),
  /** Sample index of our response; 0 for the baseline answer. */
  sample: z.number().int().nonnegative(),
  side: z.enum(["ours", "baseline"]),
  rm: z.string(),
  score: z.number(),
  tokens: z.number().int().nonnegative(),
  truncated: z.boolean(),
});

/** A cached reward-model score. */
export type ScoreLine = z.infer<typeof ScoreLineSchema>;

/** What a chat task's reference must hold (Arena-Hard's `ArenaHardReference`). */
interface BaselineReference {
  answer: string;
  model: string;
}

function baselineOf(task: EvalTask): BaselineReference {
  const ref = task.reference as Partial<BaselineReference> | null;
  if (ref === null || typeof ref !== "object" || typeof ref.answer !== "string") {
    throw new Error(`chat task ${task.id}: reference must carry the baseline's answer`);
  }
  return { answer: ref.answer, model: ref.model ?? "baseline" };
}

/** Options of {@link scoreChatSuite}. */
export interface ScoreChatOptions {
  /** Output directory (`<suite>.rm.jsonl` inside). */
  out: string;
  /** The loaded reward model. */
  rewardModel: RewardModel;
  /** Warnings. @default console.warn */
  warn?: (message: string) => void;
  /** Progress lines. @default stderr */
  progressWrite?: (text: string) => void;
  /** Bootstrap seed. @default 0 */
  seed?: number;
}

/**
 * Scores a chat suite's responses and baseline answers and computes the win rates.
 *
 * @param suiteName the suite (file name prefix)
 * @param tasks its tasks (with baseline answers as references)
 * @param records our responses (records of those tasks)
 * @param o output directory, reward model, progress
 * @returns the chat summary
 */
export async function scoreChatSuite(
  suiteName: string,
  tasks: readonly EvalTask[],
  records: readonly EvalRecord[],
  o: ScoreChatOptions,
): Promise<ChatSummary> {
  const rm = o.rewardModel;
  const file = join(o.out, `${suiteName}.rm.jsonl`);
  const cached = (await loadForResume(file, { schema: ScoreLineSchema, warn: o.warn }))
    .filter((l) => l.rm === rm.name);
  const key = (side: string, id: string, sample: number) => `${side}\u0000${recordKey(id, sample)}`;
  const scores = new Map(cached.map((l) => [key(l.side, l.id, l.sample), l]));
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const asked = records.filter((r) => byId.has(r.id));
  const questions = [...new Set(asked.map((r) => r.id))];
  if (questions.length === 0) throw new Error(`${suiteName}: no responses to score`);

  type Job = { side: "ours" | "baseline"; id: string; sample: number; response: string };
  const jobs: Job[] = [];
  for (const r of asked) {
    if (!scores.has(key("ours", r.id, r.sample))) {
      jobs.push({ side: "ours", id: r.id, sample: r.sample, response: r.response });
    }
  }
  for (const id of questions) {
    if (!scores.has(key("baseline", id, 0))) {
      jobs.push({ side: "baseline", id, sample: 0, response: baselineOf(byId.get(id)!).answer });
    }
  }
  if (jobs.length > 0) {
    const progress = createProgress({
      total: jobs.length,
      label: `${suiteName} reward model ${rm.name}`,
      unit: "pairs",
      write: o.progressWrite,
    });
    // Score in chunks so an interrupted run keeps what it scored.
    const chunk = 64;
    for (let i = 0; i < jobs.length; i += chunk) {
      const part = jobs.slice(i, i + chunk);
      const got = await rm.score(
        part.map((j) => ({ prompt: byId.get(j.id)!.messages, response: j.response })),
      );
      const lines: ScoreLine[] = part.map((j, k) => ({
        id: j.id,
        sample: j.sample,
        side: j.side,
        rm: rm.name,
        score: got[k].score,
        tokens: got[k].tokens,
        truncated: got[k].truncated,
      }));
      await appendJsonLines(file, lines);
      for (const l of lines) scores.set(key(l.side, l.id, l.sample), l);
      progress.tick(part.length);
    }
    progress.finish();
  }
  return chatSummary(questions, asked, byId, (side, id, s) => scores.get(key(side, id, s))!, {
    rm: rm.name,
    seed: o.seed ?? 0,
  });
}

function chatSummary(
  questions: string[],
  records: readonly EvalRecord[],
  byId: Map<string, EvalTask>,
  score: (side: "ours" | "baseline", id: string, sample: number) => ScoreLine,
  o: { rm: string; seed: number },
): ChatSummary {
  // One entry per (question, sample) paired with the question's baseline answer; with one
  // sample per question (the default) the bootstrap resamples questions, as Arena-Hard does.
  const oursScores: number[] = [], refScores: number[] = [];
  const oursLengths: number[] = [], refLengths: number[] = [];
  let truncOurs = 0, truncBase = 0;
  const chars = (t: string) => [...t].length;
  const baseScores: number[] = [];
  for (const id of questions) {
    const base = score("baseline", id, 0);
    const answer = baselineOf(byId.get(id)!).answer;
    baseScores.push(base.score);
    if (base.truncated) truncBase++;
    for (const r of records) {
      if (r.id !== id) continue;
      const x = score("ours", id, r.sample);
      if (x.truncated) truncOurs++;
      oursScores.push(x.score);
      refScores.push(base.score);
      oursLengths.push(chars(r.response));
      refLengths.push(chars(answer));
    }
  }
  const report = chatWinRate({
    rewardModel: o.rm,
    oursScores,
    refScores,
    oursLengths,
    refLengths,
    lengthUnit: "chars",
    seed: o.seed,
  });
  return {
    reward_model: o.rm,
    baseline: baselineOf(byId.get(questions[0])!).model,
    questions: questions.length,
    report,
    mean_score: { ours: mean(oursScores), baseline: mean(baseScores) },
    truncated: { ours: truncOurs, baseline: truncBase },
  };
}
