/**
 * Arena-Hard v0.1 (lmarena/arena-hard-auto): 500 hard user prompts, each with the reference
 * answer of gpt-4-0314. There is no per-sample verdict: responses are scored with a reward
 * model against the reference answers (`lib/eval/chat/`), so `grade` is absent.
 *
 * Task ids are the question `uid`s. Every question must have a reference answer.
 *
 * @module
 */

import { z } from "zod";
import { loadDataset } from "../../data/resolve.ts";
import type { EvalTask, LoadOptions, Suite } from "../suite.ts";

const Question = z.object({
  uid: z.string(),
  category: z.string(),
  cluster: z.string(),
  prompt: z.string(),
});

const Answer = z.object({
  uid: z.string(),
  model: z.string(),
  messages: z.tuple([
    z.object({ role: z.literal("user"), content: z.string() }),
    z.object({ role: z.literal("assistant"), content: z.object({ answer: z.string() }) }),
  ]),
});

/** The model whose answers are the baseline. */
export const ARENA_HARD_BASELINE = "gpt-4-0314";

/** What an Arena-Hard task carries as its `reference`. */
export interface ArenaHardReference {
  /** The baseline model's answer. */
  answer: string;
  /** The baseline model (`gpt-4-0314`). */
  model: string;
  /** Arena-Hard's category and topic cluster of the question. */
  category: string;
  cluster: string;
}

/** Completion-style framing of a chat prompt for base models. */
export function arenaCompletionPrompt(prompt: string): string {
  return `User: ${prompt}\n\nAssistant:`;
}

/** The Arena-Hard suite (scored with a reward model, no `grade`). */
export const arenaHard: Suite = {
  name: "arena-hard",
  domain: "chat",
  defaultPromptStyle: "chat",
  async load(options: LoadOptions = {}): Promise<EvalTask[]> {
    const q = await loadDataset("arena-hard/question.jsonl", Question, options);
    const a = await loadDataset(`arena-hard/${ARENA_HARD_BASELINE}.jsonl`, Answer, {
      ...options,
      limit: undefined,
    });
    const warn = options.onWarning ?? ((m: string) => console.warn(m));
    for (const w of [...q.warnings, ...a.warnings]) warn(w);
    const answers = new Map(a.records.map((r) => [r.uid, r]));
    return q.records.map((x) => {
      const ans = answers.get(x.uid);
      if (ans === undefined) {
        throw new Error(
          `${a.file.path}: no ${ARENA_HARD_BASELINE} answer for question uid ${x.uid}`,
        );
      }
      const reference: ArenaHardReference = {
        answer: ans.messages[1].content.answer,
        model: ans.model,
        category: x.category,
        cluster: x.cluster,
      };
      return {
        id: x.uid,
        messages: [{ role: "user", content: x.prompt }],
        completionPrompt: arenaCompletionPrompt(x.prompt),
        stop: ["\n\nUser:", "</s>", "<|im_end|>", "<|endoftext|>"],
        reference,
      };
    });
  },
};
