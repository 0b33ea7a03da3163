import assert from "node:assert/strict";
import { RewardModel } from "../../lib/reward/reward_model.ts";
import { RmReward } from "../../lib/reward/rm_reward.ts";
import { record, withTinyRm } from "./_fixtures.ts";

const batch = [
  record({ messages: [{ role: "user", content: "What is 2+2?" }], response: "4" }),
  record({
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
    response: "Hello! How can I help you today?",
  }),
  record({ messages: [{ role: "user", content: "Write a haiku." }], response: "Soft rain." }),
];

Deno.test("RmReward scores equal RewardModel.score on the same conversation and response", async () => {
  await withTinyRm(async (dir) => {
    const model = await RewardModel.load(dir, { batchSize: 2 });
    try {
      const reward = new RmReward(model);
      const got = await reward.score(batch);
      const want = await model.score(
        batch.map((r) => ({ prompt: [...r.messages], response: r.response })),
      );
      assert.deepEqual(got.map((o) => o.score), want.map((w) => w.score));
      assert.deepEqual(got.map((o) => o.terms), want.map((w) => ({ rm: w.score })));
      assert.notEqual(got[0].score, got[1].score);
      await reward.close(); // borrowed: the model stays usable
      assert.equal((await model.score([{ prompt: "Hi", response: "4" }])).length, 1);
    } finally {
      await model.release();
    }
  });
});

Deno.test("RmReward with a cache answers repeated pairs from it with the same score", async () => {
  await withTinyRm(async (dir) => {
    const reward = await RmReward.load(dir, { cache: true });
    try {
      const first = await reward.score(batch);
      assert.equal(reward.cacheHits, 0);
      const progress: [number, number][] = [];
      const again = await reward.score([batch[2], record({ response: "new" }), batch[0]], {
        onProgress: (d, t) => progress.push([d, t]),
      });
      assert.equal(reward.cacheHits, 2);
      assert.equal(again[0].score, first[2].score);
      assert.equal(again[2].score, first[0].score);
      assert.deepEqual(progress.at(-1), [3, 3]);
      // Same response under a different prompt is a different pair.
      await reward.score([
        record({ messages: [{ role: "user", content: "Other" }], response: "4" }),
      ]);
      assert.equal(reward.cacheHits, 2);
    } finally {
      await reward.close();
    }
  });
});
