/**
 * `toy-math`: the toy world's arithmetic word problems (100, fixed seed; `data/toy/math.ts`),
 * graded by the real math grader (`gradeMath`, Qwen2.5-Math's extraction: the text after the
 * last `he answer is`, so a worked solution ending `So the answer is 19.` gives `19`).
 *
 * Prompts use the corpus's own formats, so a base model pre-trained on the toy corpus can
 * answer in either style:
 * - completion: `Question: <problem>\nAnswer:` (the corpus's worksheets), stopping at the next
 *   question;
 * - chat: the problem text alone as the user turn, rendered by the chat template exactly as
 *   the corpus's ChatML transcripts open (`<|im_start|>user\n{problem}<|im_end|>\n
 *   <|im_start|>assistant\n`, which the corpus answers with the worked solution). No stop
 *   string cuts a chat response: a model that does not stop after its answer runs on (as the
 *   transcripts do) into new `Q:` posts or user turns, and everything after the last
 *   `he answer is` (the next problem's answer, or the tail) is what gets graded, so
 *   chat-style accuracy measures skill *and* stopping, completion-style accuracy the skill.
 *
 * Task ids are `toy-math/<index>`. No file is read: `load()` generates the problems.
 *
 * @module
 */

import { toyMathEvalItems } from "../../../data/toy/math.ts";
import type { EvalTask, GradeResult, LoadOptions, Suite } from "../suite.ts";
import { gradeMathTask, type MathReference } from "./_math.ts";

/** Number of `toy-math` problems. */
export const TOY_MATH_SIZE = 100;

/** Stop strings of completion-style `toy-math` prompts (the corpus's next question). */
export const TOY_MATH_STOP = [
  "\n\nQuestion:",
  "\nQuestion:",
  "\nQ:",
  "<|endoftext|>",
  "<|im_end|>",
];

/**
 * The completion prompt of a toy word problem (the corpus's worksheet format).
 *
 * @param question the problem text
 * @returns `Question: ...\nAnswer:`
 */
export function toyMathCompletionPrompt(question: string): string {
  return `Question: ${question}\nAnswer:`;
}

/** The `toy-math` suite. */
export const toyMath: Suite = {
  name: "toy-math",
  domain: "math",
  defaultPromptStyle: "completion",
  load(o: LoadOptions = {}): Promise<EvalTask[]> {
    const items = toyMathEvalItems(TOY_MATH_SIZE).slice(0, o.limit ?? TOY_MATH_SIZE);
    return Promise.resolve(items.map((p, i) => {
      const reference: MathReference = { answer: String(p.answer) };
      return {
        id: `toy-math/${i}`,
        messages: [{ role: "user", content: p.question }],
        completionPrompt: toyMathCompletionPrompt(p.question),
        stop: TOY_MATH_STOP,
        reference,
      };
    }));
  },
  grade(task: EvalTask, response: string): Promise<GradeResult> {
    return Promise.resolve(gradeMathTask(task, response));
  },
};
