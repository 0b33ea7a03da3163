/**
 * Open-ended chat about the toy world: the prompts (describe, explain, list, compare, ...),
 * good answers (on topic, direct, ending cleanly) and bad ones (rambling on into new
 * questions, off topic, cut mid-sentence, repetitive, empty).
 *
 * The prompt pool is fixed (every ask x topic, plus comparisons of topic pairs). A fixed-seed
 * sample of it is the `toy-chat` evaluation set ({@link toyChatEvalItems}); the RL prompts of
 * any seed ({@link generateChatPrompts}) are the rest, so no evaluation prompt is trained on.
 *
 * @module
 */

import { Rng } from "../../lib/util/rng.ts";
import { cap, pick, splitHeldOut, type Topic, TOPICS, TOY_EVAL_SEED } from "./world.ts";

/** One open-ended prompt of the pool. */
export interface ChatItem {
  /** Stable id: `<ask>/<topic>` or `<ask>/<topic>+<topic>`. */
  id: string;
  /** The user message. */
  prompt: string;
  /** Which ask it is (`describe`, `compare`, ...). */
  ask: string;
  /** The topics it is about (one, or two for comparisons). */
  topics: Topic[];
}

/** The facts of a topic as sentences. */
function facts(x: Topic): Record<"kind" | "where" | "color" | "use" | "trait" | "extra", string> {
  const n = cap(x.name);
  return {
    kind: `${n} are a kind of ${x.kind}.`,
    where: `You can find ${x.name} ${x.where}.`,
    color: `${n} are usually ${x.color}.`,
    use: `${n} are good for ${x.use}.`,
    trait: `${n} are ${x.trait}.`,
    extra: x.extra,
  };
}

type SingleAsk = { ask: string; text: (n: string) => string; answer: (r: Rng, x: Topic) => string };

const SINGLE_ASKS: readonly SingleAsk[] = [
  {
    ask: "describe",
    text: (n) => `Describe ${n}.`,
    answer: (r, x) => sentences(r, x, ["kind"], ["color", "trait", "where"]),
  },
  {
    ask: "explain-use",
    text: (n) => `Explain what ${n} are good for.`,
    answer: (r, x) => sentences(r, x, ["use"], ["kind", "trait"]),
  },
  {
    ask: "list",
    text: (n) => `List three facts about ${n}.`,
    answer: (r, x) => {
      const f = facts(x);
      const chosen = r.shuffle(["kind", "where", "color", "use", "extra"] as const).slice(0, 3);
      return chosen.map((k, i) => `${i + 1}. ${f[k]}`).join("\n");
    },
  },
  {
    ask: "tell",
    text: (n) => `Tell me about ${n}.`,
    answer: (r, x) => sentences(r, x, ["kind"], ["where", "use", "extra"]),
  },
  {
    ask: "where",
    text: (n) => `Where can you find ${n}?`,
    answer: (r, x) => sentences(r, x, ["where"], ["extra"]),
  },
  {
    ask: "color",
    text: (n) => `What color are ${n}?`,
    answer: (r, x) => sentences(r, x, ["color"], ["trait"]),
  },
  {
    ask: "note",
    text: (n) => `Write a short note about ${n}.`,
    answer: (r, x) => sentences(r, x, ["extra"], ["kind", "use"]),
  },
  {
    ask: "why",
    text: (n) => `Why do people like ${n}?`,
    answer: (r, x) =>
      `People like ${x.name} because they are ${x.trait}. ` +
      sentences(r, x, ["use"], []),
  },
  {
    ask: "explain",
    text: (n) =>
      `Give a short explanation of ${n}, including where they are found and what they are good for.`,
    answer: (r, x) => sentences(r, x, ["kind"], ["where", "use"]),
  },
];

const PAIR_ASKS: readonly { ask: string; text: (a: string, b: string) => string }[] = [
  { ask: "compare", text: (a, b) => `Compare ${a} and ${b}.` },
  { ask: "difference", text: (a, b) => `What is the difference between ${a} and ${b}?` },
];

/** `first` facts in order, then `rest` shuffled, as one paragraph. */
function sentences(
  r: Rng,
  x: Topic,
  first: (keyof ReturnType<typeof facts>)[],
  rest: (keyof ReturnType<typeof facts>)[],
): string {
  const f = facts(x);
  return [...first, ...r.shuffle([...rest])].map((k) => f[k]).join(" ");
}

function compareAnswer(r: Rng, a: Topic, b: Topic): string {
  const kinds = a.kind === b.kind
    ? `Both ${a.name} and ${b.name} are kinds of ${a.kind}.`
    : `${cap(a.name)} are a kind of ${a.kind}, while ${b.name} are a kind of ${b.kind}.`;
  const more = r.shuffle([
    `${cap(a.name)} are usually ${a.color}, and ${b.name} are usually ${b.color}.`,
    `${cap(a.name)} are good for ${a.use}, but ${b.name} are good for ${b.use}.`,
    `You can find ${a.name} ${a.where}, and ${b.name} ${b.where}.`,
  ]).slice(0, 2);
  return [kinds, ...more].join(" ");
}

/**
 * Every prompt of the toy world, in a fixed order: each single-topic ask for each topic
 * (9 x 40), then both comparison asks for 80 topic pairs (topic i with i+1 and with i+7).
 *
 * @returns 520 items with unique ids and prompts
 */
export function chatPromptPool(): ChatItem[] {
  const out: ChatItem[] = [];
  for (const x of TOPICS) {
    for (const a of SINGLE_ASKS) {
      out.push({ id: `${a.ask}/${x.name}`, prompt: a.text(x.name), ask: a.ask, topics: [x] });
    }
  }
  const n = TOPICS.length;
  for (const step of [1, 7]) {
    for (let i = 0; i < n; i++) {
      const [a, b] = [TOPICS[i], TOPICS[(i + step) % n]];
      for (const p of PAIR_ASKS) {
        out.push({
          id: `${p.ask}/${a.name}+${b.name}`,
          prompt: p.text(a.name, b.name),
          ask: p.ask,
          topics: [a, b],
        });
      }
    }
  }
  return out;
}

/**
 * A good answer: on topic, direct, and it stops after the last sentence (facts are drawn and
 * ordered with `rng`, so answers to one prompt vary).
 *
 * @param rng the generator
 * @param item the prompt
 * @returns the answer text
 * @throws naming `item.ask` when the ask is unknown
 */
export function goodAnswer(rng: Rng, item: ChatItem): string {
  const single = SINGLE_ASKS.find((a) => a.ask === item.ask);
  const isPair = PAIR_ASKS.some((a) => a.ask === item.ask);
  if (single === undefined && !isPair) throw new Error(`item.ask: unknown ask "${item.ask}"`);
  return single !== undefined
    ? single.answer(rng, item.topics[0])
    : compareAnswer(rng, item.topics[0], item.topics[1]);
}

/**
 * The kinds of bad answer, each a failure the reward model must learn to rank low. `off-topic`
 * and `generic` are short and stop cleanly, so stopping alone does not win a pair.
 */
export const BAD_KINDS = [
  "ramble",
  "off-topic",
  "generic",
  "truncated",
  "repetitive",
  "empty",
] as const;

/** One kind of bad answer. */
export type BadKind = typeof BAD_KINDS[number];

/**
 * The forum format the corpus uses for one question and its answer (`Q: ...\nA: ...`).
 *
 * @param question the question
 * @param answer the answer
 * @returns the post
 */
export function forumPost(question: string, answer: string): string {
  return `Q: ${question}\nA: ${answer}`;
}

/**
 * The ChatML text of a user turn and the opening of the assistant's reply, exactly what the
 * chat template renders for one user message with the generation prompt (the corpus's
 * transcripts and the toy suites' chat prompts).
 *
 * @param question the user message
 * @returns `<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n`
 */
export function chatmlUserTurn(question: string): string {
  return `<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`;
}

/** Short answers that fit any prompt and answer none (the `generic` kind draws from them). */
export const GENERIC_ANSWERS: readonly string[] = [
  "I hope this helps.",
  "That is a good question.",
  "Thanks for asking!",
  "Sure, I can help with that.",
  "Here is the answer.",
  "I am not sure.",
  "Yes.",
  "It depends.",
  "Good question, let me think about it.",
  "Everyone knows that.",
];

/**
 * A bad answer of the given kind. `ramble` is what a base model trained on the corpus does:
 * a good answer that runs on into new forum questions and answers, cut off mid-way.
 * `off-topic` is a clean answer to a prompt about other topics; `generic` a clean one-liner
 * that answers nothing: a stock phrase, the question itself or another prompt's question
 * (alone or as a forum `Q:` line), the fixed point a policy collapses to when any short stop
 * wins.
 *
 * @param rng the generator
 * @param item the prompt
 * @param kind which failure
 * @param pool prompts to ramble on into or to answer instead (off topic)
 * @returns the answer text
 */
export function badAnswer(
  rng: Rng,
  item: ChatItem,
  kind: BadKind,
  pool: readonly ChatItem[],
): string {
  const topic = new Set(item.topics.map((x) => x.name));
  const others = pool.filter((o) => o.topics.every((x) => !topic.has(x.name)));
  const good = goodAnswer(rng, item);
  let out: string;
  if (kind === "ramble") {
    const posts = Array.from({ length: 1 + rng.int(3) }, () => {
      const o = pick(rng, others);
      return forumPost(o.prompt, goodAnswer(rng, o));
    });
    const tail = posts.join("\n\n");
    out = `${good}\n\n${
      tail.slice(0, Math.max(12, Math.floor(tail.length * (0.4 + 0.6 * rng.float()))))
    }`;
  } else if (kind === "off-topic") {
    out = goodAnswer(rng, pick(rng, others));
  } else if (kind === "generic") {
    const v = rng.int(4);
    const o = pick(rng, others);
    out = v === 0
      ? pick(rng, GENERIC_ANSWERS)
      : v === 1
      ? item.prompt
      : v === 2
      ? `Q: ${o.prompt}`
      : `${pick(rng, GENERIC_ANSWERS)} ${o.prompt}`;
  } else if (kind === "truncated") {
    out = truncateMidSentence(rng, good);
  } else if (kind === "repetitive") {
    const first = good.split(/(?<=\.)\s+/)[0];
    out = Array.from({ length: 4 + rng.int(6) }, () => first).join(" ");
  } else {
    out = "";
  }
  return out;
}

/** Cuts text after a word that does not end a sentence (so it stops mid-sentence). */
function truncateMidSentence(rng: Rng, text: string): string {
  const words = text.split(" ");
  const cuts: number[] = [];
  for (let k = 1; k < words.length; k++) if (!/[.?!]$/.test(words[k - 1])) cuts.push(k);
  return cuts.length === 0 ? words[0].slice(0, -1) : words.slice(0, pick(rng, cuts)).join(" ");
}

/**
 * The `toy-chat` evaluation prompts: a fixed-seed sample of the pool, the same for every run.
 *
 * @param n how many @default 60
 * @returns the items, in sampled order
 */
export function toyChatEvalItems(n = 60): ChatItem[] {
  return new Rng(TOY_EVAL_SEED).shuffle(chatPromptPool()).slice(0, n);
}

/** Options of {@link generateChatPrompts}. */
export interface ChatPromptOptions {
  /** Prompts held out for validation. @default 40 */
  heldOut?: number;
}

/**
 * The open-ended RL prompts of a seed: the pool without the `toy-chat` evaluation prompts,
 * shuffled and split into train and held-out parts.
 *
 * @param seed the seed
 * @param options the held-out size
 * @returns `{train, val}`, disjoint from each other and from {@link toyChatEvalItems}
 */
export function generateChatPrompts(
  seed: number,
  options: ChatPromptOptions = {},
): { train: ChatItem[]; val: ChatItem[] } {
  const evalIds = new Set(toyChatEvalItems().map((x) => x.id));
  const rest = chatPromptPool().filter((x) => !evalIds.has(x.id));
  return splitHeldOut(new Rng(seed), rest, options.heldOut ?? 40);
}
