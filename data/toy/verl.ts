/**
 * verl's RL data schema for the toy world's prompt files (what `lib/rl/prompts.ts` reads):
 * `data_source`, `prompt` as one user message, `ability`, `reward_model: {style,
 * ground_truth}`, `extra_info: {split, index}`.
 *
 * @module
 */

/** One line of an RL prompt file in verl's schema. */
export interface VerlRecord {
  /** `toy/chat` or `toy/math`. */
  data_source: string;
  /** The conversation: one user turn. */
  prompt: { role: "user"; content: string }[];
  /** `general` (open-ended, scored by a reward model) or `math` (verified). */
  ability: string;
  /** `model` with an empty ground truth, or `rule` with the gold answer. */
  reward_model: { style: "model" | "rule"; ground_truth: string };
  /** The split (`train`, `val`) and the 0-based index within it. */
  extra_info: { split: string; index: number };
}

/** The metadata of a {@link verlRecord} besides the prompt text. */
export interface VerlFields {
  /** `data_source`. */
  dataSource: string;
  /** `ability`. */
  ability: string;
  /** `reward_model.style`. */
  style: "model" | "rule";
  /** `reward_model.ground_truth`. @default "" */
  groundTruth?: string;
  /** `extra_info.split`. */
  split: string;
  /** `extra_info.index`. */
  index: number;
}

/**
 * Builds one record of verl's RL schema.
 *
 * @param content the user message
 * @param f source, ability, reward style, ground truth, split and index
 * @returns the record
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verlRecord } from "./verl.ts";
 * const r = verlRecord("Describe owls.", {
 *   dataSource: "toy/chat", ability: "general", style: "model", split: "train", index: 0,
 * });
 * assert.deepEqual(r.reward_model, { style: "model", ground_truth: "" });
 * ```
 */
export function verlRecord(content: string, f: VerlFields): VerlRecord {
  return {
    data_source: f.dataSource,
    prompt: [{ role: "user", content }],
    ability: f.ability,
    reward_model: { style: f.style, ground_truth: f.groundTruth ?? "" },
    extra_info: { split: f.split, index: f.index },
  };
}
