import assert from "node:assert/strict";
import { ConfigError, configHash, resolveConfig } from "../../lib/rl/config.ts";
import { flattenDelta } from "../../lib/rl/config_paths.ts";
import { TRAINER_DEFAULTS, type TrainerConfig } from "../../lib/rl/config_schema.ts";
import { parseOverrideArgs } from "../../lib/rl/overrides.ts";
import { getPreset, listPresets } from "../../lib/rl/presets.ts";
import { shellWords } from "./_shell_words.ts";
import { SMOKE_PIN } from "./_smoke_pin.ts";

const SCRIPT = Deno.readTextFileSync(new URL("./fixtures/grlo_train.sh", import.meta.url));
const VARS = { train_files: "/data/grlo/train.jsonl", val_files: "/data/grlo/val.jsonl" };
const MODEL = "/models/llama-3.2-3b-base";

/** train.sh's arguments after `python3 -m verl.trainer.main_ppo`. */
function trainShArgs(script: string): string[] {
  const words = shellWords(script, VARS);
  assert.deepEqual(words.slice(0, 3), ["python3", "-m", "verl.trainer.main_ppo"]);
  return words.slice(3);
}

/** Asserts that `fn` throws a ConfigError naming `key`, with a message matching `re`. */
function assertConfigError(fn: () => unknown, key: string, re: RegExp) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    assert.equal(e.key, key);
    assert.match(e.message, re);
    return true;
  });
}

const leaves = (cfg: TrainerConfig) =>
  new Map(
    flattenDelta(cfg as unknown as Record<string, unknown>).map(([p, v]) => [p.join("."), v]),
  );

Deno.test("GRLO train.sh's overrides resolve to the grlo-paper preset plus the local paths, key by key", () => {
  const args = trainShArgs(SCRIPT.replaceAll("= <model>", `=${MODEL}`));
  assert.equal(args.length, 46);
  const { overrides, args: rest } = parseOverrideArgs(args);
  assert.deepEqual(rest, []);
  const fromScript = leaves(resolveConfig({ overrides }));
  const fromPreset = leaves(resolveConfig({
    preset: "grlo-paper",
    overrides: [
      `data.train_files=${VARS.train_files}`,
      `data.val_files=${VARS.val_files}`,
      `actor_rollout_ref.model.path=${MODEL}`,
      `critic.model.path=${MODEL}`,
    ],
  }));
  assert.deepEqual([...fromScript.keys()], [...fromPreset.keys()]);
  for (const [key, value] of fromPreset) assert.deepEqual(fromScript.get(key), value, key);
  const cfg = resolveConfig({ overrides });
  assert.equal(cfg.actor_rollout_ref.actor.optim.lr, 1e-6);
  assert.equal(cfg.data.truncation, "error");
  assert.deepEqual(cfg.trainer.logger, ["console"]);
  assert.equal(cfg.reward_model.model.path, "Skywork/Skywork-Reward-V2-Llama-3.1-8B");
  assert.equal(cfg.critic.ppo_mini_batch_size, 256);
});

Deno.test("train.sh split as the shell splits it (path= <model>) is refused naming the model path", () => {
  const args = trainShArgs(SCRIPT.replaceAll("<model>", MODEL));
  assertConfigError(
    () => parseOverrideArgs(args),
    "actor_rollout_ref.model.path",
    /has no value and is followed by "\/models\/llama-3\.2-3b-base".*write actor_rollout_ref\.model\.path=\/models\/llama/,
  );
});

Deno.test("the grlo-paper preset needs a policy path and training files", () => {
  assertConfigError(
    () => resolveConfig({ preset: "grlo-paper", overrides: ["data.train_files=/d.jsonl"] }),
    "actor_rollout_ref.model.path",
    /preset grlo-paper needs actor_rollout_ref\.model\.path/,
  );
  assertConfigError(
    () =>
      resolveConfig({ preset: "grlo-paper", overrides: [`actor_rollout_ref.model.path=${MODEL}`] }),
    "data.train_files",
    /needs data\.train_files/,
  );
  assertConfigError(() => resolveConfig({}), "data.train_files", /required/);
});

Deno.test("the smoke preset is a tiny run on builtin prompts with a rule reward", () => {
  const cfg = resolveConfig({ preset: "smoke" });
  assert.equal(cfg.data.train_files, "builtin:smoke");
  assert.equal(cfg.actor_rollout_ref.model.path, null);
  assert.equal(cfg.custom_reward_function.builtin, "char_fraction");
  assert.deepEqual(cfg.custom_reward_function.reward_kwargs, { target: "a" });
  assert.ok(cfg.data.train_batch_size <= 16, "tiny batches");
  assert.ok(
    cfg.actor_rollout_ref.rollout.n > 1,
    "several samples per prompt, so grpo/rloo run too",
  );
  assert.ok(cfg.trainer.total_training_steps !== null && cfg.trainer.total_training_steps <= 20);
  assert.equal(
    cfg.critic.ppo_mini_batch_size,
    cfg.actor_rollout_ref.actor.ppo_mini_batch_size,
    "inherits the actor's mini-batch",
  );
  assert.deepEqual(listPresets().map((p) => p.name), [
    "grlo-paper",
    "smoke",
    "toy-grlo",
    "toy-rlvr",
  ]);
  assertConfigError(
    () => getPreset("paper"),
    "",
    /known presets: grlo-paper, smoke, toy-grlo, toy-rlvr/,
  );
});

Deno.test("an unknown key is refused naming its path and the closest known key", () => {
  assertConfigError(
    () =>
      resolveConfig({
        preset: "smoke",
        overrides: [
          ...SMOKE_PIN,
          "actor_rollout_ref.actor.optim.learning_rat=1",
        ],
      }),
    "actor_rollout_ref.actor.optim.learning_rat",
    /unknown key actor_rollout_ref\.actor\.optim\.learning_rat; the closest known key is actor_rollout_ref\.actor\.optim\.lr_warmup_steps_ratio|closest known key is actor_rollout_ref\.actor\.optim\.\w+/,
  );
  assertConfigError(
    () =>
      resolveConfig({
        preset: "smoke",
        overrides: [...SMOKE_PIN, "actor_rollout_ref.ppo_epochs=2"],
      }),
    "actor_rollout_ref.ppo_epochs",
    /closest known key is actor_rollout_ref\.actor\.ppo_epochs/,
  );
  assertConfigError(
    () => resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "data.train_batch_sz=16"] }),
    "data.train_batch_sz",
    /closest known key is data\.train_batch_size$/,
  );
  assertConfigError(
    () => resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "+trainer.wandb_entity=me"] }),
    "trainer.wandb_entity",
    /unknown key trainer\.wandb_entity/,
  );
});

Deno.test("a wrong type is refused naming the key, the expected type and the value", () => {
  assertConfigError(
    () =>
      resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "data.train_batch_size=many"] }),
    "data.train_batch_size",
    /override data\.train_batch_size=many: data\.train_batch_size: expected number, got "many"/,
  );
  assertConfigError(
    () =>
      resolveConfig({
        preset: "smoke",
        overrides: [...SMOKE_PIN, "actor_rollout_ref.rollout.n=0"],
      }),
    "actor_rollout_ref.rollout.n",
    /expected number > 0, got 0/,
  );
  assertConfigError(
    () =>
      resolveConfig({
        preset: "smoke",
        overrides: [...SMOKE_PIN, "actor_rollout_ref.actor.use_kl_loss=yes"],
      }),
    "actor_rollout_ref.actor.use_kl_loss",
    /expected boolean, got "yes"/,
  );
});

Deno.test("checkpoint retention counts are null (verl's default) or positive integers, else refused naming the key", () => {
  const cfg = resolveConfig({ preset: "smoke", overrides: SMOKE_PIN });
  assert.equal(cfg.trainer.max_actor_ckpt_to_keep, null);
  assert.equal(cfg.trainer.max_critic_ckpt_to_keep, null);
  const set = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "trainer.max_actor_ckpt_to_keep=3",
      "trainer.max_critic_ckpt_to_keep=1",
    ],
  });
  assert.equal(set.trainer.max_actor_ckpt_to_keep, 3);
  assert.equal(set.trainer.max_critic_ckpt_to_keep, 1);
  for (const key of ["trainer.max_actor_ckpt_to_keep", "trainer.max_critic_ckpt_to_keep"]) {
    const bad = (v: string) => () =>
      resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, `${key}=${v}`] });
    assertConfigError(bad("0"), key, new RegExp(`${key}: expected number > 0, got 0$`));
    assertConfigError(bad("-2"), key, /expected number > 0, got -2$/);
    assertConfigError(bad("1.5"), key, /expected int, got 1\.5$/);
    assertConfigError(bad("all"), key, /expected number, got "all"$/);
  }
});

Deno.test("an unquoted number given to a string key is kept as the text typed", () => {
  const cfg = resolveConfig({
    preset: "smoke",
    overrides: [...SMOKE_PIN, "trainer.experiment_name=0042"],
  });
  assert.equal(cfg.trainer.experiment_name, "0042");
});

Deno.test("impossible batch splits are refused naming the key", () => {
  assertConfigError(
    () => resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "data.train_batch_size=6"] }),
    "actor_rollout_ref.actor.ppo_mini_batch_size",
    /\(6 \* 4 = 24\) must be divisible by .*\(4 \* 4 = 16\)/,
  );
  assertConfigError(
    () =>
      resolveConfig({
        preset: "smoke",
        overrides: [
          ...SMOKE_PIN,
          "actor_rollout_ref.actor.ppo_mini_batch_size=16",
        ],
      }),
    "actor_rollout_ref.actor.ppo_mini_batch_size",
    /must be <= data\.train_batch_size \(8\)/,
  );
  assertConfigError(
    () =>
      resolveConfig({
        preset: "smoke",
        overrides: [
          ...SMOKE_PIN,
          "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=3",
        ],
      }),
    "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu",
    /a mini-batch of 16 samples .* must be divisible by .*\(3\)/,
  );
  assertConfigError(
    () =>
      resolveConfig({
        preset: "smoke",
        overrides: [...SMOKE_PIN, "critic.ppo_micro_batch_size_per_gpu=5"],
      }),
    "critic.ppo_micro_batch_size_per_gpu",
    /must be divisible by critic\.ppo_micro_batch_size_per_gpu \(5\)/,
  );
  const dynamic = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=3",
      "actor_rollout_ref.actor.use_dynamic_bsz=true",
    ],
  });
  assert.equal(dynamic.critic.use_dynamic_bsz, true, "the critic inherits use_dynamic_bsz");
});

Deno.test("bad enums are refused listing the allowed values", () => {
  assertConfigError(
    () =>
      resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "algorithm.adv_estimator=ppo"] }),
    "algorithm.adv_estimator",
    /expected one of "gae"\|"grpo"\|"rloo"\|"reinforce_plus_plus"\|"reinforce_plus_plus_baseline", got "ppo"/,
  );
  assertConfigError(
    () =>
      resolveConfig({
        preset: "smoke",
        overrides: [...SMOKE_PIN, "actor_rollout_ref.actor.loss_agg_mode=mean"],
      }),
    "actor_rollout_ref.actor.loss_agg_mode",
    /"token-mean"\|"seq-mean-token-sum"/,
  );
  assertConfigError(
    () => resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "algorithm.kl_penalty=k4"] }),
    "algorithm.kl_penalty",
    /"low_var_kl\+"/,
  );
  assertConfigError(
    () =>
      resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "algorithm.kl_ctrl.type=pid"] }),
    "algorithm.kl_ctrl.type",
    /"fixed"\|"adaptive"/,
  );
});

Deno.test("grouped estimators need rollout.n > 1; without a critic its split is not checked", () => {
  for (const est of ["grpo", "rloo", "reinforce_plus_plus_baseline"]) {
    assertConfigError(
      () =>
        resolveConfig({
          preset: "smoke",
          overrides: [
            ...SMOKE_PIN,
            `algorithm.adv_estimator=${est}`,
            "actor_rollout_ref.rollout.n=1",
          ],
        }),
      "actor_rollout_ref.rollout.n",
      new RegExp(`adv_estimator=${est} .* must be > 1 \\(got 1\\)`),
    );
  }
  const cfg = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "algorithm.adv_estimator=grpo",
      "critic.ppo_micro_batch_size_per_gpu=5",
    ],
  });
  assert.equal(cfg.algorithm.adv_estimator, "grpo");
  const rpp = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "algorithm.adv_estimator=reinforce_plus_plus",
      "actor_rollout_ref.rollout.n=1",
      "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=4",
    ],
  });
  assert.equal(rpp.actor_rollout_ref.rollout.n, 1);
  assertConfigError(
    () => resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "critic.enable=false"] }),
    "critic.enable",
    /adv_estimator=gae needs the critic/,
  );
});

Deno.test("values the kit cannot honour are refused with what to do instead", () => {
  const cases: [string, string, RegExp][] = [
    [
      "actor_rollout_ref.actor.clip_ratio_c=1",
      "actor_rollout_ref.actor.clip_ratio_c",
      /> 1 \(got 1\)/,
    ],
    ["actor_rollout_ref.model.lora_rank=8", "actor_rollout_ref.model.lora_rank", /LoRA/],
    [
      "actor_rollout_ref.actor.policy_loss.loss_mode=clip-cov",
      "actor_rollout_ref.actor.policy_loss.loss_mode",
      /only "vanilla"/,
    ],
    ["actor_rollout_ref.actor.kl_loss_type=full", "actor_rollout_ref.actor.kl_loss_type", /"full"/],
    ["custom_reward_function.path=reward.py", "custom_reward_function.path", /export-verl/],
    ["reward_model.enable=true", "reward_model.enable", /neither reward_model\.model\.path nor/],
    ["reward_model.reward_manager=style_mix", "reward_model.reward_manager", /enable is false/],
  ];
  for (const [o, key, re] of cases) {
    assertConfigError(
      () => resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, o] }),
      key,
      re,
    );
  }
  const remote = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "reward_model.enable=true",
      "reward_model.endpoint=http://127.0.0.1:8700",
    ],
  });
  assert.equal(remote.reward_model.endpoint, "http://127.0.0.1:8700");
});

Deno.test("~key resets a key or a section to verl's default, and +key sets a known key", () => {
  const cfg = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "~actor_rollout_ref.actor.optim",
      "~data.max_response_length",
      "+data.seed=7",
    ],
  });
  assert.equal(cfg.actor_rollout_ref.actor.optim.lr, 1e-6);
  assert.equal(cfg.data.max_response_length, 512);
  assert.equal(cfg.data.seed, 7);
  assert.equal(
    cfg.critic.optim.lr,
    getPreset("smoke").delta.critic?.optim?.lr,
    "other sections keep the preset",
  );
  const inherit = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "critic.ppo_mini_batch_size=8",
      "~critic.ppo_mini_batch_size",
    ],
  });
  assert.equal(
    inherit.critic.ppo_mini_batch_size,
    4,
    "a reset inherited key follows the actor again",
  );
});

Deno.test("open records take any sub-key", () => {
  const cfg = resolveConfig({
    preset: "smoke",
    overrides: [
      ...SMOKE_PIN,
      "custom_reward_function.reward_kwargs.target=b",
      "+custom_reward_function.reward_kwargs.scale=2",
    ],
  });
  assert.deepEqual(cfg.custom_reward_function.reward_kwargs, { target: "b", scale: 2 });
});

Deno.test("layers apply in order: defaults, preset, file, overrides", () => {
  const dir = Deno.makeTempDirSync();
  const file = `${dir}/run.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      config_hash: "ignored",
      data: { train_batch_size: 16 },
      actor_rollout_ref: { actor: { optim: { lr: 0.5 } } },
    }),
  );
  const cfg = resolveConfig({
    preset: "smoke",
    file,
    overrides: ["actor_rollout_ref.actor.optim.lr=0.25"],
  });
  assert.equal(cfg.algorithm.gamma, TRAINER_DEFAULTS.algorithm.gamma, "default");
  assert.equal(
    cfg.data.max_prompt_length,
    getPreset("smoke").delta.data?.max_prompt_length,
    "preset",
  );
  assert.equal(cfg.data.train_batch_size, 16, "file over preset");
  assert.equal(cfg.actor_rollout_ref.actor.optim.lr, 0.25, "override over file");
  Deno.writeTextFileSync(file, JSON.stringify({ data: { train_batchsize: 16 } }));
  assertConfigError(
    () => resolveConfig({ preset: "smoke", file }),
    "data.train_batchsize",
    /^config file .*run\.json: unknown key data\.train_batchsize; .* data\.train_batch_size$/,
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a resolved config round-trips through its JSON file and is frozen", () => {
  const cfg = resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "trainer.save_freq=2"] });
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(cfg));
  const again = resolveConfig({ file: `${dir}/config.json` });
  assert.deepEqual(again, cfg);
  assert.ok(Object.isFrozen(cfg.actor_rollout_ref.actor.optim));
  assert.throws(() => {
    (cfg.data as { train_batch_size: number }).train_batch_size = 1;
  }, TypeError);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("configHash() is stable under key order and changes with any value", () => {
  const cfg = resolveConfig({ preset: "smoke" });
  const reversed = (v: unknown): unknown =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)]))
      : v;
  const shuffled = reversed(cfg);
  assert.notEqual(JSON.stringify(shuffled), JSON.stringify(cfg));
  assert.equal(configHash(shuffled), configHash(cfg));
  assert.match(configHash(cfg), /^[0-9a-f]{64}$/);
  const other = resolveConfig({ preset: "smoke", overrides: [...SMOKE_PIN, "kit.seed=2"] });
  assert.notEqual(configHash(other), configHash(cfg));
});
