import assert from "node:assert/strict";
import { defineModelConfig } from "../../lib/model/config.ts";
import { createTinyModel } from "../../lib/model/tiny.ts";
import { RewardModel } from "../../lib/reward/reward_model.ts";
import { writeByteLevelTokenizer } from "../../lib/tokenizer/mod.ts";
import { loadReferenceModel, referenceScores } from "../model/reference_impl.ts";
import { tinyRmConfig, withTinyRm } from "./_fixtures.ts";

const config = tinyRmConfig;

const pairs = [
  { prompt: "What is 2+2?", response: "4" },
  { prompt: "Write a haiku about rain.", response: "Soft rain on the roof,\nthe gutter hums." },
  { prompt: "Hi", response: "Hello! How can I help you today?" },
];

Deno.test("RewardModel.score() matches the float64 reference scores at the last real token, batched with padding", async () => {
  await withTinyRm(async (dir) => {
    const rm = await RewardModel.load(dir, { batchSize: 3 });
    try {
      const got = await rm.score(pairs);
      const ref = await loadReferenceModel(dir);
      for (let i = 0; i < pairs.length; i++) {
        const ids = rm.encode(pairs[i]).ids;
        // The rendered pair uses the RM's chat template and ends at its end-of-turn token.
        assert.equal(rm.tokenizer.decode(ids), rm.render(pairs[i]));
        assert.ok(rm.render(pairs[i]).endsWith(`${pairs[i].response}<|im_end|>\n`));
        const want = referenceScores(ref.config, ref.weights, [ids])[0];
        assert.ok(
          Math.abs(got[i].score - want) < 1e-4 * Math.max(1, Math.abs(want)),
          `${got[i].score} vs ${want}`,
        );
        assert.equal(got[i].tokens, ids.length);
        assert.equal(got[i].truncated, false);
      }
      // Different pairs get different scores (the head reads real positions, not padding).
      assert.notEqual(got[0].score, got[1].score);
    } finally {
      await rm.release();
    }
  });
});

Deno.test("RewardModel.encode() cuts a too-long pair inside the response and keeps the end-of-turn tokens", async () => {
  await withTinyRm(async (dir) => {
    const rm = await RewardModel.load(dir, { maxLength: 80 });
    try {
      const long = { prompt: "Tell me a story.", response: "Once upon a time ".repeat(10) };
      const { ids, truncated } = rm.encode(long);
      assert.equal(truncated, true);
      assert.equal(ids.length, 80);
      assert.deepEqual(ids.slice(-2), [258, 10]); // "<|im_end|>\n"
      assert.ok(rm.tokenizer.decode(ids).includes("Once upon a time"));
      const [s] = await rm.score([long]);
      assert.equal(s.truncated, true);
      assert.equal(s.tokens, 80);
    } finally {
      await rm.release();
    }
  });
});

Deno.test("RewardModel.load() refuses a causal LM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rm_test_" });
  try {
    await createTinyModel(dir, defineModelConfig({ ...config, task: "causal-lm" }), { seed: 1 });
    await writeByteLevelTokenizer(dir);
    await assert.rejects(() => RewardModel.load(dir), /SequenceClassification/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
