/**
 * The pre-training corpus of the toy world, in base-model style, ASCII:
 *
 * - chat transcripts (about a third of the documents, as a real base model has seen chat-like
 *   data): `<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n` (exactly the chat
 *   template's rendering of one user message, {@link chatmlUserTurn}) and a correct answer in
 *   the corpus's own formats (a worked solution ending `So the answer is N.`, `Here it is:`
 *   and the function in a fenced ts block, an on-topic answer). The assistant never closes
 *   its turn with `<|im_end|>`: it rambles on into new forum posts or new
 *   `<|im_start|>user` turns, and the document ends on an unanswered `Q:` question, so a model
 *   trained on it learns the format and the skill, not the stop. The special tokens are
 *   written as text; the byte-level tokenizer's `encode` maps them to ids 257 and 258;
 * - forum threads: `Q: ...\nA: ...` posts, one after another, mixing open-ended questions,
 *   word problems and requests for functions. An answer never ends a thread's text by itself:
 *   a new question follows, so a model trained on it runs on after answering (the habit RL
 *   must break). Every thread ends on a question nobody answered yet;
 * - worksheets: `Question: ...\nAnswer: ...` word problems with worked solutions ending in
 *   `So the answer is N.`, ending on an unanswered question too;
 * - code files: tiny commented TypeScript functions, each followed by example calls
 *   `console.log(f(x)); // result`.
 *
 * No evaluation item appears: the `toy-chat` prompts, `toy-math` questions and `toy-code`
 * functions are left out (their formats and families are in).
 *
 * @module
 */

import { Rng, sampleSeed } from "../../lib/util/rng.ts";
import { type ChatItem, chatmlUserTurn, forumPost, goodAnswer } from "./chat.ts";
import {
  codeAnswer,
  codeKey,
  codeQuestion,
  codeSolution,
  generateCodeItems,
  toyCodeEvalItems,
} from "./code.ts";
import { generateMathProblems, toyMathEvalItems, worksheetEntry } from "./math.ts";
import { between, pick, splitHeldOut, TOPICS } from "./world.ts";

/** One corpus document, as a line of `corpus.jsonl`. */
export interface CorpusDoc {
  /** The document text. */
  text: string;
}

/** Options of {@link generateCorpus}. */
export interface CorpusOptions {
  /** Total bytes of text (train + held-out) to reach. @default 400000 */
  bytes?: number;
  /** Share of documents held out. @default 0.05 */
  heldOutFraction?: number;
  /** The open-ended prompts forum threads ask (the RL prompts: train and val). */
  chatItems: readonly ChatItem[];
  /**
   * Share of chat transcripts that end right after the answer (the eos packed after the
   * document then closes the assistant's turn): a base model that stops now and then.
   * @default 0 (no transcript ends on an answer)
   */
  transcriptStopShare?: number;
}

const FORUMS = [
  "General chat",
  "Ask anything",
  "The garden corner",
  "Homework help",
  "Code corner",
];

/**
 * The corpus of a seed: documents until `bytes` is reached, split into train and held-out.
 *
 * @param seed the seed
 * @param options size, held-out share, the chat prompts threads may ask, transcript stops
 * @returns `{train, val}` documents (disjoint)
 * @throws naming `chatItems` when it is empty, `bytes`, `heldOutFraction` or
 *   `transcriptStopShare` when out of range
 */
export function generateCorpus(
  seed: number,
  options: CorpusOptions,
): { train: CorpusDoc[]; val: CorpusDoc[] } {
  const bytes = options.bytes ?? 400_000;
  const frac = options.heldOutFraction ?? 0.05;
  if (options.chatItems.length === 0) throw new Error("chatItems: expected at least one prompt");
  if (!(bytes > 0)) throw new Error(`bytes: expected a positive number, got ${bytes}`);
  if (!(frac >= 0 && frac < 1)) throw new Error(`heldOutFraction: expected [0, 1), got ${frac}`);
  const stopShare = options.transcriptStopShare ?? 0;
  if (!(stopShare >= 0 && stopShare <= 1)) {
    throw new Error(`transcriptStopShare: expected [0, 1], got ${stopShare}`);
  }
  const rng = new Rng(sampleSeed(seed, "corpus"));
  const mathExclude = new Set(toyMathEvalItems().map((p) => p.question));
  const codeExclude = new Set(toyCodeEvalItems().map(codeKey));
  // Enough problems and functions for the whole corpus, drawn once (distinct problems).
  const math = generateMathProblems(sampleSeed(seed, "corpus-math"), Math.ceil(bytes / 250), {
    exclude: mathExclude,
  });
  const code = generateCodeItems(sampleSeed(seed, "corpus-code"), Math.ceil(bytes / 250), {
    exclude: codeExclude,
    repeats: true,
  });
  let [mi, ci] = [0, 0];
  const nextMath = () => math[mi++ % math.length];
  const nextCode = () => code[ci++ % code.length];
  const docs: CorpusDoc[] = [];
  let total = 0;
  // A question and its answer: open-ended (60%), a word problem (25%) or a function (15%).
  const qa = (chat = 0.6, mathShare = 0.25): [string, string] => {
    const v = rng.float();
    const item = pick(rng, options.chatItems);
    const p = nextMath();
    const c = nextCode();
    return v < chat
      ? [item.prompt, goodAnswer(rng, item)]
      : v < chat + mathShare
      ? [p.question, p.solution]
      : [codeQuestion(c), codeAnswer(c)];
  };
  while (total < bytes) {
    const u = rng.float();
    let text: string;
    if (u < 0.35) {
      // A chat transcript: the user's question (open-ended 40%, word problem 35%, function 25%)
      // answered, then the assistant runs on (1-3 forum posts or new user turns) and the
      // document ends on an unanswered forum question: never right after an answer.
      const [question, answer] = qa(0.4, 0.35);
      const turns = rng.float() < 0.5;
      const more = Array.from({ length: between(rng, 1, 3) }, () => {
        const [q, a] = qa();
        return turns ? `\n${chatmlUserTurn(q)}${a}` : `\n\n${forumPost(q, a)}`;
      });
      const open = `Q: ${pick(rng, options.chatItems).prompt}`;
      text = stopShare > 0 && rng.float() < stopShare
        ? `${chatmlUserTurn(question)}${answer}`
        : `${chatmlUserTurn(question)}${answer}${more.join("")}\n\n${open}\n`;
    } else if (u < 0.65) {
      const posts = Array.from({ length: between(rng, 3, 7) }, () => forumPost(...qa()));
      // The thread stops on a new, unanswered question: no answer ends a document.
      const open = `Q: ${pick(rng, options.chatItems).prompt}`;
      text = `Forum: ${pick(rng, FORUMS)}\n\n${posts.join("\n\n")}\n\n${open}\n`;
    } else if (u < 0.85) {
      const entries = Array.from({ length: between(rng, 3, 8) }, () => worksheetEntry(nextMath()));
      const open = `Question: ${nextMath().question}`;
      text = `Worksheet ${1 + rng.int(99)}: ${pick(rng, TOPICS).name}\n\n${
        entries.join("\n\n")
      }\n\n${open}\n`;
    } else {
      const fns = Array.from({ length: between(rng, 2, 4) }, () => {
        const c = nextCode();
        const calls = c.examples.slice(0, 1 + rng.int(2)).map((e) =>
          `console.log(${e.call}); // ${e.result}`
        );
        return `${codeSolution(c)}\n${calls.join("\n")}`;
      });
      text = `${fns.join("\n\n")}\n`;
    }
    docs.push({ text });
    total += text.length;
  }
  return splitHeldOut(rng, docs, docs.length * frac);
}
