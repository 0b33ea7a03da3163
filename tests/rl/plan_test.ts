import assert from "node:assert/strict";
import { defineModelConfig } from "../../lib/model/config.ts";
import { ConfigError, resolveConfig } from "../../lib/rl/config.ts";
import { formatPlan, planOf } from "../../lib/rl/plan.ts";
import { SMOKE_PIN } from "./_smoke_pin.ts";
import {
  activationBytes,
  kvCacheBytes,
  parameterCount,
  TRAIN_BYTES_PER_PARAM,
} from "../../lib/rl/plan_memory.ts";

const MODEL = "/models/qwen3-4b-base";
const RM = "Skywork/Skywork-Reward-V2-Llama-3.1-8B";
const paper = (extra: string[] = []) =>
  resolveConfig({
    preset: "grlo-paper",
    overrides: [
      "data.train_files=/d/train.jsonl",
      `actor_rollout_ref.model.path=${MODEL}`,
      ...extra,
    ],
  });

const tiny = defineModelConfig({
  arch: "qwen3",
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 8,
  intermediateSize: 32,
  vocabSize: 64,
  tieWordEmbeddings: true,
});

Deno.test("planOf() refuses fewer prompts than one batch (verl would train 0 steps)", () => {
  assert.throws(() => planOf(paper(), { trainPrompts: 1000 }), (e) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.key, "data.train_batch_size");
    assert.match(
      e.message,
      /\(1024\) is more than the 1000 training prompts: .* 0 steps; .* at most 1000/,
    );
    return true;
  });
});

Deno.test("planOf() counts GRLO's batch vocabulary: 5000 prompts, 1024 per step, 15 epochs", () => {
  const plan = planOf(paper(), { trainPrompts: 5000 });
  assert.equal(plan.promptsPerStep, 1024);
  assert.equal(plan.samplesPerPrompt, 1);
  assert.equal(plan.samplesPerStep, 1024);
  assert.equal(plan.stepsPerEpoch, 4, "floor(5000 / 1024): the last partial batch is dropped");
  assert.equal(plan.totalSteps, 60);
  assert.deepEqual(plan.actor, {
    miniBatchSamples: 256,
    miniBatchesPerStep: 4,
    micro: { kind: "count", samples: 16, perBatch: 16 },
    verlAccumulationPerGpu: 4,
    epochs: 1,
    optimizerStepsPerStep: 4,
  });
  assert.equal(plan.critic?.miniBatchSamples, 256, "the critic inherits the actor's mini-batch");
  assert.deepEqual(plan.critic?.micro, { kind: "count", samples: 32, perBatch: 8 });
  assert.equal(plan.critic?.verlAccumulationPerGpu, 2);
  assert.deepEqual(plan.logProb, { kind: "count", samples: 32, perBatch: 32 });
  assert.equal(plan.needsCritic, true);
  assert.equal(plan.needsReference, false);
  assert.deepEqual(plan.criticInit, { from: "policy", path: MODEL });
  assert.match(plan.reward, /reward model \(model Skywork.*\) through reward_manager style_mix/);
  assert.equal(plan.memory, null, "no model configs, no estimate");
  const nm = new Map(plan.noMeaning.map((k) => [k.key, k.value]));
  assert.equal(nm.get("trainer.n_gpus_per_node"), 4);
  assert.equal(nm.get("actor_rollout_ref.rollout.name"), "vllm");
  assert.equal(nm.get("actor_rollout_ref.rollout.gpu_memory_utilization"), 0.7);
  assert.equal(nm.get("reward_model.model.fsdp_config.param_offload"), true);
  assert.deepEqual(nm.get("trainer.logger"), ["console"]);
  assert.equal(
    new Map(plan.kitOnly.map((k) => [k.key, k.value])).get("kit.max_logprob_drift"),
    0.05,
  );
  assert.equal(planOf(paper(), { trainPrompts: 1024 }).totalSteps, 15);
});

Deno.test("planOf() counts the smoke run and honours total_training_steps and train_max_samples", () => {
  // the smoke preset's sizes are pinned here: the preset itself is tuned elsewhere
  const cfg = resolveConfig({ preset: "smoke", overrides: SMOKE_PIN });
  const plan = planOf(cfg, { trainPrompts: 64 });
  assert.equal(plan.samplesPerStep, 32);
  assert.equal(plan.stepsPerEpoch, 8);
  assert.equal(plan.totalSteps, 10, "trainer.total_training_steps wins over epochs");
  assert.equal(plan.actor.miniBatchSamples, 16);
  assert.equal(plan.actor.miniBatchesPerStep, 2);
  assert.deepEqual(plan.actor.micro, { kind: "count", samples: 8, perBatch: 2 });
  assert.equal(plan.actor.optimizerStepsPerStep, 2);
  assert.deepEqual(plan.logProb, { kind: "count", samples: 16, perBatch: 2 });
  assert.deepEqual(plan.criticInit, { from: "policy", path: null });
  assert.match(plan.reward, /builtin rule char_fraction \{"target":"a"\}/);
  const capped = resolveConfig({
    preset: "smoke",
    overrides: [...SMOKE_PIN, "data.train_max_samples=20"],
  });
  assert.equal(planOf(capped, { trainPrompts: 64 }).stepsPerEpoch, 2);
  const epochs = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "~trainer.total_training_steps",
      "trainer.total_epochs=3",
      "actor_rollout_ref.actor.ppo_epochs=2",
    ],
  });
  const p = planOf(epochs, { trainPrompts: 64 });
  assert.equal(p.totalSteps, 24);
  assert.equal(p.actor.optimizerStepsPerStep, 4, "mini-batches x ppo_epochs");
  assert.equal(p.critic?.epochs, 2, "the critic inherits ppo_epochs");
});

Deno.test("planOf() reports token-budget micro-batches, grpo without critic, and KL's reference model", () => {
  const cfg = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "algorithm.adv_estimator=grpo",
      "actor_rollout_ref.actor.use_dynamic_bsz=true",
      "actor_rollout_ref.actor.ppo_max_token_len_per_gpu=512",
      "actor_rollout_ref.actor.use_kl_loss=true",
    ],
  });
  const plan = planOf(cfg, { trainPrompts: 8 });
  assert.deepEqual(plan.actor.micro, {
    kind: "tokens",
    maxTokens: 512,
    why: "use_dynamic_bsz=true",
  });
  assert.equal(plan.actor.verlAccumulationPerGpu, null);
  assert.deepEqual(plan.logProb, { kind: "tokens", maxTokens: 512, why: "use_dynamic_bsz=true" });
  assert.equal(plan.needsCritic, false);
  assert.equal(plan.critic, null);
  assert.equal(plan.criticInit, null);
  assert.equal(plan.needsReference, true);
});

Deno.test("planOf() says when the critic starts from the reward model", () => {
  const plan = planOf(paper([`critic.model.path=${RM}`]), { trainPrompts: 2048 });
  assert.deepEqual(plan.criticInit, { from: "reward-model", path: RM });
  const rmCfg = defineModelConfig({ ...tiny, arch: "llama", task: "seq-cls" });
  const byConfig = planOf(paper(["critic.model.path=/models/my-rm"]), {
    trainPrompts: 2048,
    critic: rmCfg,
  });
  assert.deepEqual(byConfig.criticInit, { from: "reward-model", path: "/models/my-rm" });
  assert.match(
    formatPlan(byConfig, paper()),
    /critic: initialised from the reward model \/models\/my-rm/,
  );
});

Deno.test("planOf() estimates memory from the model configs with the stated factors", () => {
  const cfg = resolveConfig({
    preset: "smoke",
    overrides: [...SMOKE_PIN, "actor_rollout_ref.actor.use_kl_loss=true"],
  });
  const plan = planOf(cfg, { trainPrompts: 8, policy: tiny, rewardModel: tiny });
  const m = plan.memory!;
  const P = parameterCount(tiny);
  // embed 64*16; per layer q 32*16, k,v 16*16 each, o 16*32, q/k norm 8 each, mlp 3*32*16, 2 norms 16
  assert.equal(P, 64 * 16 + 2 * (512 + 256 + 256 + 512 + 16 + 1536 + 32) + 16);
  assert.equal(m.policy, P * TRAIN_BYTES_PER_PARAM);
  assert.equal(m.rolloutWeights, P * 4);
  assert.equal(m.reference, P * 4);
  assert.equal(m.rewardModel, P * 4);
  const criticParams = P + 16; // the same backbone plus a [1, 16] value head
  assert.equal(m.critic, criticParams * 16);
  const seq = 32 + 16;
  assert.equal(m.activations, activationBytes(tiny, 8 * seq, seq, true));
  assert.equal(
    activationBytes(tiny, 1, 10, false),
    (4 * 16 + 2 * 32 + 2 * 16 + 3 * 32 + 4 * 10) * 2 * 4,
  );
  assert.equal(m.kvCache, kvCacheBytes(tiny, 32, seq));
  assert.equal(m.kvCache, 32 * seq * 2 * 2 * 2 * 8 * 4);
  assert.equal(
    m.total,
    m.policy + m.rolloutWeights + m.critic + m.reference + m.rewardModel + m.activations +
      m.kvCache,
  );
  const noKl = planOf(resolveConfig({ preset: "smoke", overrides: SMOKE_PIN }), {
    trainPrompts: 8,
    policy: tiny,
  });
  assert.equal(noKl.memory?.reference, 0);
  assert.equal(noKl.memory?.rewardModel, 0);
});

Deno.test("formatPlan() prints the batch vocabulary, the device translation and every listed key", () => {
  const cfg = paper();
  const text = formatPlan(planOf(cfg, { trainPrompts: 5000, policy: tiny }), cfg);
  for (
    const line of [
      "algorithm: gae with a critic, no reference model (no KL)",
      "per step: 1024 prompts x 1 samples = 1024 samples",
      "actor: 4 mini-batches of 256 samples x 1 epoch(s) = 4 optimizer steps per step",
      "  16 micro-batches of 16 samples per mini-batch (verl on 4 GPU(s): 4 per GPU)",
      "critic: initialised from the policy (/models/qwen3-4b-base)",
      "steps: 5000 prompts / 1024 = 4 per epoch (last partial batch dropped); total 60 (15 epochs)",
      "validation every 7 steps, and before training; checkpoint every 200 steps",
      "no meaning on this engine (accepted, not used):",
      "  trainer.n_gpus_per_node = 4  (one device: global batch sizes are kept, *_per_gpu sizes are per micro-batch)",
      '  actor_rollout_ref.rollout.name = "vllm"  (verl\'s inference engine (vllm, sglang); the kit samples with its own KV-cache sampler)',
      "kit-only keys:",
      "  kit.seed = 1  (rollout sampling seed)",
    ]
  ) assert.ok(text.includes(line), `missing: ${line}\n---\n${text}`);
  assert.match(
    text,
    /one device: \*_per_gpu sizes are the kit's micro-batches; .* over 4 GPU\(s\)/,
  );
  assert.match(text, /memory estimate \(fp32\): \d+\.\d\d GiB/);
  assert.ok(text.endsWith("\n"));
});
