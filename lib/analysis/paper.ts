/**
 * The numbers the GRLO paper states (arXiv 2605.15464, abstract), shipped in
 * `data/paper/grlo.json` with their source, for overlaying on the kit's figures.
 *
 * @module
 */

import paper from "../../data/paper/grlo.json" with { type: "json" };

/** One point the paper reports. */
export interface PaperPoint {
  /** `base` or `grlo`. */
  method: string;
  /** Display label. */
  label: string;
  /** Average over all domains, in percent. */
  average: number;
  /** Training prompts. */
  prompts: number;
  /** Training GPU hours. */
  gpu_hours: number;
}

/** A ratio the paper reports between two methods. */
export interface PaperRatio {
  /** The method (`grlo`). */
  method: string;
  /** What it is compared with (`rlvr`, in-domain RLVR). */
  baseline: string;
  /** How many times more training data the baseline used. */
  data: number;
  /** How many times more compute the baseline used. */
  compute: number;
  /** The sentence. */
  label: string;
}

/** The paper's published numbers, with their source. */
export interface PaperNumbers {
  /** Title, arXiv id, URL and where in the paper. */
  source: { title: string; arxiv: string; url: string; where: string };
  /** The model they are for. */
  model: string;
  /** The points. */
  points: PaperPoint[];
  /** The ratios. */
  ratios: PaperRatio[];
}

/**
 * The paper's numbers (Qwen3-4B-Base: 24.1 -> 63.1 average with 5K prompts and 22.7 GPU
 * hours; 46x less data and 68x less compute than in-domain RLVR).
 *
 * @returns a frozen copy of `data/paper/grlo.json`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paperNumbers } from "./paper.ts";
 * assert.equal(paperNumbers().points.find((p) => p.method === "grlo")?.average, 63.1);
 * ```
 */
export function paperNumbers(): PaperNumbers {
  return Object.freeze(structuredClone(paper)) as PaperNumbers;
}
