/**
 * Forward-only graphs of the trainer's scoring phases (verl `compute_log_prob` for
 * `old_log_prob` and `ref`, `compute_values` for `values`): the same model pieces as the
 * actor and critic train steps, so a ratio computed against their outputs is 1 at the
 * weights they were computed with.
 *
 * - {@link buildLogprobGraph}: `logprobs` (and optionally `entropy`) [batch, seq] of
 *   `targets` at the rollout temperature;
 * - values: `buildValueGraph` (lib/model/graphs.ts), `values` [batch, seq], unchanged.
 *
 * @module
 */

import type { Graph } from "../graph/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import { buildCausalLmGraph, type ModelGraphOptions } from "../model/graphs.ts";

/** Options of {@link buildLogprobGraph}. */
export interface LogprobGraphOptions extends ModelGraphOptions {
  /** Rollout temperature (logits / T before the log-softmax, as the actor). @default 1 */
  temperature?: number;
  /** Also output `entropy` [batch, seq] (one more pass over the logits). @default false */
  entropy?: boolean;
}

/**
 * The policy's per-token log-probs: inputs `input_ids`, `attention_mask`, `position_ids`,
 * `targets` (int64 [batch, seq]) and the weights (HF names; graph inputs by default, so one
 * session serves the policy at every step and the reference); outputs `logprobs`
 * [batch, seq] and, with `entropy`, `entropy` [batch, seq].
 *
 * @param config a causal-LM config
 * @param options temperature, entropy, dtype, weight source
 * @returns the graph
 */
export function buildLogprobGraph(config: ModelConfig, options: LogprobGraphOptions = {}): Graph {
  return buildCausalLmGraph(config, {
    dtype: options.dtype,
    weights: options.weights,
    output: "logprobs",
    temperature: options.temperature ?? 1,
    entropy: options.entropy ?? false,
  });
}
