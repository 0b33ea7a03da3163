/**
 * Periodic validation: the held-out prompts (`data.val_files`, at most `kit.val_prompts`)
 * sampled with `actor_rollout_ref.rollout.val_kwargs` and scored by the training reward,
 * reported as verl does: `val-core/<data_source>/reward/mean@<n>`.
 *
 * @module
 */

import { scoreChecked } from "../reward/errors.ts";
import { generateRollouts, rewardInputs, type TokenizedPrompt } from "./rollout_phase.ts";
import type { StepContext } from "./trainer.ts";

/**
 * Samples and scores the validation prompts.
 *
 * @param ctx the step context (sampler and reward)
 * @param prompts the validation prompts
 * @param step the global step (seeds)
 * @returns `val-core/<source>/reward/mean@n` per data source, plus `val/response_length/mean`
 */
export async function validate(
  ctx: StepContext,
  prompts: readonly TokenizedPrompt[],
  step: number,
): Promise<Record<string, number>> {
  const v = ctx.cfg.actor_rollout_ref.rollout.val_kwargs;
  const samples = await generateRollouts(ctx.generator, prompts, {
    n: v.n,
    maxResponseTokens: ctx.cfg.data.max_response_length,
    temperature: v.do_sample ? v.temperature : 0,
    topP: v.top_p,
    topK: v.top_k,
    ignoreEos: false,
    seed: ctx.cfg.kit.seed + 7919,
  }, step);
  const { outputs } = await scoreChecked(
    ctx.reward,
    rewardInputs(samples, ctx.cfg.data.max_response_length),
    { onError: ctx.cfg.reward_model.on_error },
  );
  const bySource = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const src = String(s.meta.data_source ?? "unknown");
    bySource.set(src, [...(bySource.get(src) ?? []), outputs[i].score]);
  });
  const m: Record<string, number> = {};
  for (const [src, scores] of bySource) {
    m[`val-core/${src}/reward/mean@${v.n}`] = scores.reduce((a, b) => a + b, 0) / scores.length;
  }
  m["val/response_length/mean"] = samples.reduce((n, s) => n + s.responseIds.length, 0) /
    samples.length;
  return m;
}
