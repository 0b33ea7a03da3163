/**
 * Shared helpers of the model-graph tests: the reference-model fixtures, running a graph
 * once, and tolerance measures. Private to tests/model.
 *
 * @module
 */

import { join } from "node:path";
import { encodeModel, type Graph, type HostTensor, Session } from "../../lib/graph/mod.ts";
import { loadModel } from "../../lib/model/checkpoint.ts";
import type { ModelConfig } from "../../lib/model/config.ts";
import type { F32Tensor } from "../../lib/model/safetensors.ts";

/** The fixture directories (see tests/fixtures/reference-models/README.md). */
export const FIXTURE_DIR = new URL("../fixtures/reference-models/", import.meta.url).pathname;
/** Fixture model names. */
export const FIXTURE_MODELS = [
  "qwen3-gqa-untied",
  "qwen3-tied-bf16",
  "llama3-rope-scaled",
] as const;

/** Contents of a fixture's expected.json. */
export interface Expected {
  ids: number[][];
  logits: number[][][];
  token_logprobs: number[][];
  loss: number;
  greedy_prompt: number[];
  greedy_ids: number[];
}

/** A loaded fixture: directory, config, float32 parameters, expected values. */
export interface Fixture {
  dir: string;
  config: ModelConfig;
  params: Map<string, F32Tensor>;
  expected: Expected;
}

/** Loads one fixture model with its expected values. */
export async function loadFixture(name: string): Promise<Fixture> {
  const dir = join(FIXTURE_DIR, name);
  const { config, params } = await loadModel(dir);
  const expected = JSON.parse(await Deno.readTextFile(join(dir, "expected.json"))) as Expected;
  return { dir, config, params, expected };
}

/** Encodes `g`, runs it once on CPU and releases the session (float64 graphs: basic optimisation). */
export async function runOnce(
  g: Graph,
  feeds: Record<string, HostTensor>,
  options: { float64?: boolean } = {},
): Promise<Record<string, HostTensor>> {
  const s = await Session.create(encodeModel(g), {
    ep: "cpu",
    threads: 2,
    optimization: options.float64 ? "basic" : "all",
  });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Parameters as float64 graph feeds (exact widening). */
export function paramFeeds64(params: ReadonlyMap<string, F32Tensor>): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of params) {
    out[name] = { dtype: "float64", shape: t.shape, data: Float64Array.from(t.data) };
  }
  return out;
}

/**
 * Worst error of `actual` [rows, V] against `expected` rows, each relative to the expected
 * row's largest magnitude (at least `floor`).
 */
export function worstRowError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  width: number,
  floor = 0,
): number {
  let worst = 0;
  for (let r = 0; r * width < expected.length; r++) {
    let scale = floor;
    for (let i = 0; i < width; i++) scale = Math.max(scale, Math.abs(expected[r * width + i]));
    for (let i = 0; i < width; i++) {
      const e = Math.abs(actual[r * width + i] - expected[r * width + i]) / scale;
      if (!(e <= worst)) worst = e; // NaN propagates
    }
  }
  return worst;
}

/** int64 feed [rows, cols] from nested numbers. */
export function int64Feed(rows: number[][]): HostTensor {
  return {
    dtype: "int64",
    shape: [rows.length, rows[0].length],
    data: BigInt64Array.from(rows.flat(), (x) => BigInt(x)),
  };
}
