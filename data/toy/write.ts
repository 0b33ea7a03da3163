/**
 * Writes the toy world of a seed as JSONL files (each atomically):
 *
 * ```
 * corpus.jsonl, corpus_val.jsonl             {"text": ...}              pre-training corpus
 * prompts_train.jsonl, prompts_val.jsonl     verl RL schema, toy/chat   open-ended RL prompts
 * rm_pairs_train.jsonl, rm_pairs_val.jsonl   {prompt, chosen, rejected, rejected_kind}
 * rlvr_math_train.jsonl                      verl RL schema, toy/math   in-domain RLVR baseline
 * manifest.json                              seed and the line count of each file
 * ```
 *
 * ```sh
 * deno run --allow-all data/toy/write.ts runs/toy-world 1
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { writeJsonAtomic, writeTextFileAtomic } from "../../lib/util/atomic.ts";
import { sampleSeed } from "../../lib/util/rng.ts";
import { type ChatItem, generateChatPrompts } from "./chat.ts";
import { generateCorpus } from "./corpus.ts";
import { generateMathProblems, toyMathEvalItems } from "./math.ts";
import { generateRmPairs } from "./rm_pairs.ts";
import { verlRecord } from "./verl.ts";

/** Options of {@link writeToyWorld}. */
export interface ToyWorldOptions {
  /** Corpus bytes (train + held-out). @default 400000 */
  corpusBytes?: number;
  /** RLVR training problems. @default 2000 */
  rlvrProblems?: number;
  /** Preference pairs per prompt. @default 8 */
  pairsPerPrompt?: number;
  /** Share of the corpus's chat transcripts that end right after the answer. @default 0 */
  transcriptStopShare?: number;
}

/** What {@link writeToyWorld} wrote: the seed and the records per file. */
export interface ToyWorldManifest {
  /** The seed. */
  seed: number;
  /** File name -> number of lines. */
  files: Record<string, number>;
}

function jsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r) + "\n").join("");
}

function chatRecords(items: readonly ChatItem[], split: string) {
  return items.map((x, index) =>
    verlRecord(x.prompt, {
      dataSource: "toy/chat",
      ability: "general",
      style: "model",
      split,
      index,
    })
  );
}

/**
 * Generates the toy world of `seed` and writes it into `dir` (created if missing).
 *
 * @param dir the output directory
 * @param seed the seed (a safe integer)
 * @param options sizes
 * @returns the manifest (also written as `manifest.json`)
 */
export async function writeToyWorld(
  dir: string,
  seed: number,
  options: ToyWorldOptions = {},
): Promise<ToyWorldManifest> {
  const prompts = generateChatPrompts(sampleSeed(seed, "prompts"));
  const corpus = generateCorpus(seed, {
    bytes: options.corpusBytes,
    transcriptStopShare: options.transcriptStopShare,
    chatItems: [...prompts.train, ...prompts.val],
  });
  const pairOpts = { pairsPerPrompt: options.pairsPerPrompt };
  const rlvr = generateMathProblems(sampleSeed(seed, "rlvr"), options.rlvrProblems ?? 2000, {
    exclude: new Set(toyMathEvalItems().map((p) => p.question)),
  }).map((p, index) =>
    verlRecord(p.question, {
      dataSource: "toy/math",
      ability: "math",
      style: "rule",
      groundTruth: String(p.answer),
      split: "train",
      index,
    })
  );
  const files: Record<string, readonly unknown[]> = {
    "corpus.jsonl": corpus.train,
    "corpus_val.jsonl": corpus.val,
    "prompts_train.jsonl": chatRecords(prompts.train, "train"),
    "prompts_val.jsonl": chatRecords(prompts.val, "val"),
    "rm_pairs_train.jsonl": generateRmPairs(sampleSeed(seed, "rm-train"), prompts.train, pairOpts),
    "rm_pairs_val.jsonl": generateRmPairs(sampleSeed(seed, "rm-val"), prompts.val, pairOpts),
    "rlvr_math_train.jsonl": rlvr,
  };
  await Deno.mkdir(dir, { recursive: true });
  const manifest: ToyWorldManifest = { seed, files: {} };
  for (const [name, records] of Object.entries(files)) {
    await writeTextFileAtomic(join(dir, name), jsonl(records));
    manifest.files[name] = records.length;
  }
  await writeJsonAtomic(join(dir, "manifest.json"), manifest);
  return manifest;
}

if (import.meta.main) {
  const [dir, seedText] = Deno.args;
  const seed = Number(seedText ?? "0");
  if (dir === undefined || !Number.isSafeInteger(seed)) {
    console.error("usage: deno run --allow-all data/toy/write.ts DIR [SEED]");
    Deno.exit(2);
  }
  console.log(JSON.stringify(await writeToyWorld(dir, seed)));
}
