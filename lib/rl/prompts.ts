/**
 * The RL prompt set and the order the trainer walks it in.
 *
 * Files are JSONL in verl's RL data schema (`data_source`, `prompt` as a list of messages,
 * `ability`, `reward_model: {style, ground_truth}`, `extra_info`), the format of the GRLO
 * release's `train.jsonl`. `builtin:smoke` is a small generated open-ended prompt set for tests
 * and smoke runs (nothing to download).
 *
 * The order is a pure function of (`data.seed`, epoch): step s takes the prompts at positions
 * `[(s mod E) * B, (s mod E + 1) * B)` of epoch `floor(s / E)`'s permutation (E steps per
 * epoch, B prompts per step; the last partial batch is dropped, as verl's dataloader does). So
 * resuming needs only the step number.
 *
 * @module
 */

import { z } from "zod";
import { readJsonl } from "../data/jsonl.ts";
import type { ChatMessage } from "../tokenizer/mod.ts";
import { Rng } from "../util/rng.ts";

/** One RL prompt and its metadata (what rewards and verifiers read). */
export interface PromptRecord {
  /** The prompt conversation. */
  messages: ChatMessage[];
  /** `data_source`, `ability`, `ground_truth`, `style`, `extra_info`, plus the source file:line. */
  meta: Record<string, unknown>;
}

const messageSchema = z.object({ role: z.string(), content: z.string() });
const recordSchema = z.looseObject({
  data_source: z.string().optional(),
  prompt: z.union([z.array(messageSchema).min(1), z.string()]),
  ability: z.string().optional(),
  reward_model: z.looseObject({
    style: z.string().optional(),
    ground_truth: z.unknown().optional(),
  }).optional(),
  extra_info: z.record(z.string(), z.unknown()).nullable().optional(),
});

const SMOKE_TOPICS = [
  "apples",
  "rivers",
  "a small cat",
  "the autumn rain",
  "a garden",
  "bananas",
  "a long train ride",
  "the sea at night",
  "maps",
  "a market",
  "an old bridge",
  "salads",
];
const SMOKE_ASKS = [
  "Describe",
  "Explain",
  "Write a line about",
  "Tell me about",
  "List facts about",
];

/** Held-out topics of `builtin:smoke-val` (none of them is a training topic). */
const SMOKE_VAL_TOPICS = ["a lighthouse", "winter mornings", "a violin", "paper boats"];

/** Every ask x topic as a one-turn open-ended prompt. */
function askPrompts(source: string, topics: readonly string[]): PromptRecord[] {
  const out: PromptRecord[] = [];
  for (const ask of SMOKE_ASKS) {
    for (const topic of topics) {
      out.push({
        messages: [{ role: "user", content: `${ask} ${topic}.` }],
        meta: { data_source: source, ability: "general", index: out.length },
      });
    }
  }
  return out;
}

/**
 * The built-in prompt sets: `smoke` (60 short open-ended prompts) and `smoke-val` (20
 * held-out ones on other topics).
 */
export const BUILTIN_PROMPT_SETS: Record<string, () => PromptRecord[]> = {
  smoke: () => askPrompts("builtin:smoke", SMOKE_TOPICS),
  "smoke-val": () => askPrompts("builtin:smoke-val", SMOKE_VAL_TOPICS),
};

/**
 * Reads prompt records from one or more JSONL files (or `builtin:<name>`).
 *
 * @param files a path, a list of paths, or `builtin:<name>`
 * @param options `promptKey`: the field holding the messages @default "prompt"
 * @returns the records in file order
 * @throws naming file:line and the field when a record does not fit the schema
 */
export async function loadPrompts(
  files: string | readonly string[],
  options: { promptKey?: string } = {},
): Promise<PromptRecord[]> {
  const list = typeof files === "string" ? [files] : files;
  const key = options.promptKey ?? "prompt";
  const out: PromptRecord[] = [];
  for (const file of list) {
    if (file.startsWith("builtin:")) {
      const name = file.slice("builtin:".length);
      const make = BUILTIN_PROMPT_SETS[name];
      if (!make) {
        throw new Error(
          `data files: unknown built-in prompt set "${file}" (known: ${
            Object.keys(BUILTIN_PROMPT_SETS).map((n) => `builtin:${n}`).join(", ")
          })`,
        );
      }
      out.push(...make());
      continue;
    }
    const schema = key === "prompt" ? recordSchema : recordSchema.extend({
      [key]: z.union([z.array(messageSchema).min(1), z.string()]),
      prompt: z.unknown().optional(),
    });
    const { records, lines } = await readJsonl(file, schema);
    records.forEach((rec, i) => {
      const r = rec as z.infer<typeof recordSchema>;
      const raw = (r as Record<string, unknown>)[key] as ChatMessage[] | string;
      const messages = typeof raw === "string" ? [{ role: "user", content: raw }] : raw;
      out.push({
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        meta: {
          data_source: r.data_source ?? null,
          ability: r.ability ?? null,
          style: r.reward_model?.style ?? null,
          ground_truth: r.reward_model?.ground_truth ?? null,
          extra_info: r.extra_info ?? null,
          source: `${file}:${lines[i]}`,
        },
      });
    });
  }
  if (out.length === 0) throw new Error(`data files: no prompts in ${list.join(", ")}`);
  return out;
}

/** How the trainer walks a prompt set. */
export interface PromptOrder {
  /** Prompts per step (`data.train_batch_size`). */
  batchSize: number;
  /** Shuffle each epoch (`data.shuffle`). */
  shuffle: boolean;
  /** Seed of the shuffles (`data.seed`). */
  seed: number;
}

/**
 * Steps in one epoch: whole batches only (verl drops the last partial batch).
 *
 * @param prompts number of prompts
 * @param batchSize prompts per step
 * @returns steps per epoch
 */
export function stepsPerEpoch(prompts: number, batchSize: number): number {
  return Math.floor(prompts / batchSize);
}

/**
 * The prompt indices of one step (0-based) and its epoch.
 *
 * @param step the global step, 0-based
 * @param prompts number of prompts
 * @param order batch size, shuffling, seed
 * @returns the epoch and the indices of its prompts
 */
export function promptsOfStep(
  step: number,
  prompts: number,
  order: PromptOrder,
): { epoch: number; indices: number[] } {
  const perEpoch = stepsPerEpoch(prompts, order.batchSize);
  if (perEpoch === 0) {
    throw new Error(
      `data.train_batch_size: ${order.batchSize} prompts per step, but the prompt set has only ${prompts}`,
    );
  }
  const epoch = Math.floor(step / perEpoch);
  const perm = Array.from({ length: prompts }, (_, i) => i);
  if (order.shuffle) new Rng(order.seed * 1_000_003 + epoch).shuffle(perm);
  const start = (step % perEpoch) * order.batchSize;
  return { epoch, indices: perm.slice(start, start + order.batchSize) };
}
