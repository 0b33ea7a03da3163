import assert from "node:assert/strict";
import { join } from "node:path";
import { defineModelConfig } from "../../lib/model/config.ts";
import { createTinyModel } from "../../lib/model/tiny.ts";
import { valueModelConfig } from "../../lib/model/value_model.ts";
import { ensureSmokeModel, initCritic, loadPolicy, smokeModelConfig } from "../../lib/rl/models.ts";
import { writeByteLevelTokenizer } from "../../lib/tokenizer/mod.ts";

Deno.test("initCritic() starts from the policy with a zero head, or from a one-label reward model with its head", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const policy = await loadPolicy(await ensureSmokeModel(join(dir, "policy"), 1));
    const fromPolicy = await initCritic(null, policy);
    assert.equal(fromPolicy.source, "policy");
    assert.equal(fromPolicy.config.numLabels, 1);
    assert.ok(fromPolicy.params.get("score.weight")!.data.every((x) => x === 0));
    assert.deepEqual(
      fromPolicy.params.get("model.norm.weight")!.data,
      policy.params.get("model.norm.weight")!.data,
    );
    const rmDir = join(dir, "rm");
    const rm = await createTinyModel(rmDir, valueModelConfig(smokeModelConfig()), { seed: 5 });
    await writeByteLevelTokenizer(rmDir);
    const fromRm = await initCritic(rmDir, policy);
    assert.equal(fromRm.source, "reward_model");
    assert.deepEqual(fromRm.params.get("score.weight")!.data, rm.get("score.weight")!.data);
    assert.deepEqual(
      fromRm.params.get("model.embed_tokens.weight")!.data,
      rm.get("model.embed_tokens.weight")!.data,
    );

    const other = join(dir, "other");
    await createTinyModel(other, defineModelConfig({ ...smokeModelConfig(), vocabSize: 300 }), {
      seed: 1,
    });
    await assert.rejects(
      initCritic(other, policy),
      /critic.model.path: .* vocabulary of 300, the policy's has 261/,
    );
    await assert.rejects(
      loadPolicy(rmDir),
      /actor_rollout_ref.model.path: .* the policy must be a causal LM/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
