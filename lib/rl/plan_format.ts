/**
 * The text of a {@link TrainPlan}: what `deno task train` prints before any work and writes
 * to `OUT/plan.txt`.
 *
 * @module
 */

import type { TrainerConfig } from "./config_schema.ts";
import type { ListedKey, MicroBatching, TrainPlan, UpdatePlan } from "./plan.ts";

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const microText = (m: MicroBatching, unit: string) =>
  m.kind === "count"
    ? `${m.perBatch} micro-batches of ${m.samples} samples per ${unit}`
    : `micro-batches packed to ${m.maxTokens} tokens (${m.why})`;

function updateLines(name: string, u: UpdatePlan, gpus: number): string[] {
  const acc = u.verlAccumulationPerGpu === null
    ? ""
    : ` (verl on ${gpus} GPU(s): ${u.verlAccumulationPerGpu} per GPU)`;
  return [
    `${name}: ${u.miniBatchesPerStep} mini-batches of ${u.miniBatchSamples} samples x ` +
    `${u.epochs} epoch(s) = ${u.optimizerStepsPerStep} optimizer steps per step`,
    `  ${microText(u.micro, "mini-batch")}${acc}`,
  ];
}

/**
 * Formats a plan as the text printed before any work and written to `OUT/plan.txt`.
 *
 * @param plan the plan from {@link planOf}
 * @param cfg the config it was made from
 * @returns the text (lines joined with "\n", trailing newline)
 */
export function formatPlan(plan: TrainPlan, cfg: TrainerConfig): string {
  const t = cfg.trainer, gpus = t.n_gpus_per_node * t.nnodes;
  const a = cfg.algorithm;
  const out = [
    `algorithm: ${a.adv_estimator}` +
    (plan.needsCritic ? " with a critic" : "") +
    (plan.needsReference
      ? `, reference model (${
        [
          a.use_kl_in_reward ? `KL in reward ${a.kl_penalty}` : "",
          cfg.actor_rollout_ref.actor.use_kl_loss
            ? `KL loss ${cfg.actor_rollout_ref.actor.kl_loss_type}`
            : "",
        ].filter(Boolean).join(", ")
      })`
      : ", no reference model (no KL)"),
    `reward: ${plan.reward}`,
    `policy: ${cfg.actor_rollout_ref.model.path ?? "a tiny random model made by the trainer"}`,
  ];
  if (plan.criticInit) {
    const c = plan.criticInit;
    out.push(
      c.from === "policy"
        ? `critic: initialised from the policy (${c.path ?? "the tiny random model"})`
        : c.from === "reward-model"
        ? `critic: initialised from the reward model ${c.path}`
        : `critic: initialised from ${c.path}`,
    );
  }
  out.push(
    "",
    `per step: ${plan.promptsPerStep} prompts x ${plan.samplesPerPrompt} samples = ` +
      `${plan.samplesPerStep} samples`,
    ...updateLines("actor", plan.actor, gpus),
    ...(plan.critic ? updateLines("critic", plan.critic, gpus) : []),
    `log-probs: ${microText(plan.logProb, "step")}`,
    `one device: *_per_gpu sizes are the kit's micro-batches; global batch sizes are ` +
      `unchanged (verl would split each mini-batch over ${gpus} GPU(s))`,
    `steps: ${plan.trainPrompts} prompts / ${plan.promptsPerStep} = ${plan.stepsPerEpoch} per ` +
      `epoch (last partial batch dropped); total ${plan.totalSteps}` +
      (t.total_training_steps === null
        ? ` (${t.total_epochs} epochs)`
        : " (trainer.total_training_steps)"),
    `validation every ${t.test_freq > 0 ? `${t.test_freq} steps` : "-- never"}` +
      `${t.val_before_train ? ", and before training" : ""}; checkpoint every ` +
      `${t.save_freq > 0 ? `${t.save_freq} steps` : "-- only at the end"}`,
  );
  if (plan.memory) {
    const m = plan.memory;
    out.push(
      "",
      `memory estimate (fp32): ${gib(m.total)}`,
      `  policy + grads + AdamW ${gib(m.policy)}, rollout weights ${gib(m.rolloutWeights)}, ` +
        `critic + grads + AdamW ${gib(m.critic)}`,
      `  reference ${gib(m.reference)}, reward model ${gib(m.rewardModel)}, ` +
        `activations of one micro-batch ${gib(m.activations)}, KV cache ${gib(m.kvCache)}`,
    );
  }
  const keyLines = (ks: ListedKey[]) =>
    ks.map((k) => `  ${k.key} = ${JSON.stringify(k.value)}  (${k.note})`);
  out.push("", "kit-only keys:", ...keyLines(plan.kitOnly));
  out.push("", "no meaning on this engine (accepted, not used):", ...keyLines(plan.noMeaning));
  return out.join("\n") + "\n";
}
