import assert from "node:assert/strict";
import { type RewardConfigSections, rewardFromConfig } from "../../lib/reward/from_config.ts";
import { RewardModel } from "../../lib/reward/reward_model.ts";
import { serveReward } from "../../lib/reward/server.ts";
import { ruleReward } from "../../lib/reward/rules.ts";
import { DEFAULT_STYLE_MIX } from "../../lib/reward/style_mix.ts";
import { record, withTinyRm } from "./_fixtures.ts";

/** The sections with the defaults of the config schema, then `patch` applied per section. */
function sections(patch: {
  reward_model?: Partial<RewardConfigSections["reward_model"]>;
  custom_reward_function?: Partial<RewardConfigSections["custom_reward_function"]>;
} = {}): RewardConfigSections {
  return {
    reward_model: {
      enable: false,
      reward_manager: "naive",
      model: {
        path: null,
        input_tokenizer: null,
        use_remove_padding: false,
        fsdp_config: { param_offload: false },
      },
      micro_batch_size_per_gpu: null,
      max_length: null,
      endpoint: null,
      endpoint_token_env: null,
      on_error: "stop",
      style_mix: { ...DEFAULT_STYLE_MIX },
      ...patch.reward_model,
    },
    custom_reward_function: {
      path: null,
      name: "compute_score",
      reward_kwargs: {},
      builtin: null,
      ...patch.custom_reward_function,
    },
  };
}

Deno.test("rewardFromConfig() refuses a Python reward function, pointing at export-verl", async () => {
  await assert.rejects(
    () => rewardFromConfig(sections({ custom_reward_function: { path: "my_reward.py" } })),
    /custom_reward_function\.path \(my_reward\.py\): Python reward functions run in verl.*export-verl/,
  );
});

Deno.test("rewardFromConfig() builds the builtin rule reward with its kwargs", async () => {
  const r = await rewardFromConfig(sections({
    custom_reward_function: { builtin: "char_fraction", reward_kwargs: { target: "a" } },
  }));
  assert.equal(r.name, "char_fraction");
  assert.equal((await r.score([record({ response: "abaa" })]))[0].score, 0.75);
});

Deno.test("rewardFromConfig() without an RM or a rule gives the naive verifier dispatcher", async () => {
  const r = await rewardFromConfig(sections());
  try {
    assert.equal(r.name, "verifier");
    const out = await r.score([
      record({ response: "\\boxed{4}", meta: { data_source: "gsm8k", ground_truth: "4" } }),
    ]);
    assert.equal(out[0].score, 1);
  } finally {
    await r.close();
  }
});

Deno.test("rewardFromConfig() names what is missing for the reward model", async () => {
  await assert.rejects(
    () => rewardFromConfig(sections({ reward_model: { enable: true } })),
    /reward_model\.model\.path: required/,
  );
  await assert.rejects(
    () => rewardFromConfig(sections({ reward_model: { reward_manager: "style_mix" } })),
    /"style_mix" needs reward_model\.enable: true/,
  );
  await assert.rejects(
    () =>
      rewardFromConfig(
        sections({
          reward_model: {
            enable: true,
            endpoint: "http://127.0.0.1:1",
            endpoint_token_env: "RM_T",
          },
        }),
        { env: () => undefined },
      ),
    /reward_model\.endpoint_token_env: the environment variable RM_T is unset or empty/,
  );
  await assert.rejects(
    () => rewardFromConfig(sections({ reward_model: { enable: true, endpoint: "not a url" } })),
    /reward_model\.endpoint: not a URL/,
  );
});

Deno.test("rewardFromConfig() with style_mix wraps the in-process RM; with a builtin it sums a term each", async () => {
  await withTinyRm(async (dir) => {
    const rm = await RewardModel.load(dir);
    const [want] = await rm.score([{
      prompt: [{ role: "user", content: "Hi" }],
      response: "aaab",
    }]);
    await rm.release();
    const input = record({
      response: "aaab",
      responseIds: [97, 97, 97, 98],
      finishReason: "length",
    });
    const mix = await rewardFromConfig(sections({
      reward_model: {
        enable: true,
        reward_manager: "style_mix",
        model: { ...sections().reward_model.model, path: dir },
      },
    }));
    try {
      const [o] = await mix.score([input]);
      assert.equal(mix.name, "style_mix");
      assert.equal(o.terms.rm, want.score);
      assert.equal(o.terms.no_stop, 1);
      assert.equal(o.score, want.score - 1); // no_stop_penalty 1, nothing else fires
    } finally {
      await mix.close();
    }
    const sum = await rewardFromConfig(sections({
      reward_model: { enable: true, model: { ...sections().reward_model.model, path: dir } },
      custom_reward_function: { builtin: "char_fraction", reward_kwargs: { target: "a" } },
    }));
    try {
      const [o] = await sum.score([input]);
      assert.equal(sum.name, "rm+char_fraction");
      assert.deepEqual(o.terms, { rm: want.score, char_fraction: 0.75 });
      assert.equal(o.score, want.score + 0.75);
    } finally {
      await sum.close();
    }
  });
});

Deno.test("rewardFromConfig() with an endpoint scores through the server with the token from the env", async () => {
  const ac = new AbortController();
  let port = 0;
  const server = serveReward(ruleReward("len", (r) => r.response.length), {
    port: 0,
    token: "tok",
    signal: ac.signal,
    onListen: (a) => port = a.port,
  });
  try {
    const r = await rewardFromConfig(
      sections({
        reward_model: {
          enable: true,
          endpoint: `http://127.0.0.1:${port}`,
          endpoint_token_env: "RM_TOKEN",
        },
      }),
      { env: (n) => n === "RM_TOKEN" ? "tok" : undefined },
    );
    assert.deepEqual(await r.score([record({ response: "abcd" })]), [
      { score: 4, terms: { len: 4 } },
    ]);
  } finally {
    ac.abort();
    await server.finished;
  }
});
