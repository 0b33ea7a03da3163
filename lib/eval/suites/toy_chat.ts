/**
 * `toy-chat`: 60 held-out open-ended prompts of the toy world (a fixed-seed sample of the
 * prompt pool that no seed's RL prompts, preference pairs or corpus contain; see
 * `data/toy/chat.ts`), each with a reference answer that is on topic, direct and stops. As
 * Arena-Hard, it has no per-sample verdict: responses are scored with a reward model against
 * the reference answers (`lib/eval/run_chat.ts`: win rate of sigmoid(r(ours) - r(reference))).
 *
 * Completion style frames the prompt as the corpus's forum posts do (`Q: ...\nA:`), stopping
 * at the next post.
 *
 * Task ids are `toy-chat/<ask>/<topic>`. No file is read: `load()` generates the prompts.
 *
 * @module
 */

import { goodAnswer, toyChatEvalItems } from "../../../data/toy/chat.ts";
import { TOY_EVAL_SEED } from "../../../data/toy/world.ts";
import { Rng, sampleSeed } from "../../util/rng.ts";
import type { EvalTask, LoadOptions, Suite } from "../suite.ts";

/** Number of `toy-chat` prompts. */
export const TOY_CHAT_SIZE = 60;

/** The name the reference answers go by in chat summaries. */
export const TOY_CHAT_BASELINE = "toy-reference";

/** Stop strings of completion-style `toy-chat` prompts (the corpus's next post). */
export const TOY_CHAT_STOP = ["\n\nQ:", "\nQ:", "<|endoftext|>", "<|im_end|>"];

/** What a `toy-chat` task carries as its `reference` (the fields `run_chat.ts` reads). */
export interface ToyChatReference {
  /** The reference answer. */
  answer: string;
  /** {@link TOY_CHAT_BASELINE}. */
  model: string;
  /** The ask (`describe`, `compare`, ...). */
  category: string;
}

/** The `toy-chat` suite (scored with a reward model, no `grade`). */
export const toyChat: Suite = {
  name: "toy-chat",
  domain: "chat",
  defaultPromptStyle: "chat",
  load(o: LoadOptions = {}): Promise<EvalTask[]> {
    const items = toyChatEvalItems(TOY_CHAT_SIZE).slice(0, o.limit ?? TOY_CHAT_SIZE);
    return Promise.resolve(items.map((x) => {
      const reference: ToyChatReference = {
        answer: goodAnswer(new Rng(sampleSeed(TOY_EVAL_SEED, "toy-chat", x.id)), x),
        model: TOY_CHAT_BASELINE,
        category: x.ask,
      };
      return {
        id: `toy-chat/${x.id}`,
        messages: [{ role: "user", content: x.prompt }],
        completionPrompt: `Q: ${x.prompt}\nA:`,
        stop: TOY_CHAT_STOP,
        reference,
      };
    }));
  },
};
