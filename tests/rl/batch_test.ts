import assert from "node:assert/strict";
import {
  fromSequenceLayout,
  microBatches,
  packSequences,
  paddingFraction,
  responseLayout,
  toSequenceLayout,
} from "../../lib/rl/batch.ts";
import { loadPrompts, promptsOfStep, stepsPerEpoch } from "../../lib/rl/prompts.ts";
import { requestSeed } from "../../lib/rl/rollout_phase.ts";

Deno.test("packSequences() puts response token k of a P-token prompt at target position P+k-1", () => {
  const b = packSequences([
    { promptIds: [1, 2, 3], responseIds: [7, 8] },
    { promptIds: [4], responseIds: [9, 10, 11] },
  ], { padId: 0, bucket: 8 });
  assert.equal(b.seq, 8);
  const ids = [...b.feeds.input_ids.data as BigInt64Array].map(Number);
  const targets = [...b.feeds.targets.data as BigInt64Array].map(Number);
  assert.deepEqual(ids, [1, 2, 3, 7, 8, 0, 0, 0, 4, 9, 10, 11, 0, 0, 0, 0]);
  assert.deepEqual(targets, [2, 3, 7, 8, 0, 0, 0, 0, 9, 10, 11, 0, 0, 0, 0, 0]);
  assert.deepEqual([...b.responseMask], [0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual([...b.feeds.position_ids.data as BigInt64Array].map(Number).slice(0, 5), [
    0,
    1,
    2,
    3,
    4,
  ]);
  assert.deepEqual([...b.feeds.attention_mask.data as BigInt64Array].map(Number).slice(8), [
    1,
    1,
    1,
    1,
    0,
    0,
    0,
    0,
  ]);
});

Deno.test("toSequenceLayout() and fromSequenceLayout() move response-layout values to the targets and back", () => {
  const rows = [{ promptIds: [1, 2, 3], responseIds: [7, 8] }, {
    promptIds: [4],
    responseIds: [9, 10, 11],
  }];
  const b = packSequences(rows, { padId: 0, bucket: 8 });
  const layout = responseLayout([2, 3]);
  assert.equal(layout.width, 3);
  assert.deepEqual([...layout.responseMask], [1, 1, 0, 1, 1, 1]);
  const values = Float32Array.from([0.5, 0.25, 0, 1, 2, 3]);
  const seq = toSequenceLayout(values, 3, b);
  assert.deepEqual([...seq], [0, 0, 0.5, 0.25, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0]);
  assert.deepEqual([...fromSequenceLayout(seq, b, 3)], [...values]);
});

Deno.test("microBatches() splits by row count or by a padded-token budget, in order", () => {
  assert.deepEqual(microBatches([10, 20, 30, 40, 50], { rowsPer: 2 }), [[0, 1], [2, 3], [4]]);
  // Lengths pad to 16 and 32: [16,16] costs 32 tokens, adding a 32 makes 3 x 32 = 96.
  assert.deepEqual(microBatches([10, 12, 20, 5], { maxTokens: 64 }), [[0, 1], [2, 3]]);
  assert.deepEqual(microBatches([100], { maxTokens: 16 }), [[0]]); // one row always fits
  const b = packSequences([{ promptIds: [1], responseIds: [2] }], { padId: 0, bucket: 8 });
  assert.equal(paddingFraction([b]), 1 - 2 / 8);
});

Deno.test("packSequences() names a row with an empty prompt or response", () => {
  assert.throws(
    () => packSequences([{ promptIds: [1], responseIds: [] }], { padId: 0 }),
    /row 0 has an empty response/,
  );
  assert.throws(
    () => packSequences([{ promptIds: [], responseIds: [1] }], { padId: 0 }),
    /row 0 has an empty prompt/,
  );
});

Deno.test("promptsOfStep() walks whole batches of a seeded permutation per epoch, dropping the partial batch", () => {
  const order = { batchSize: 4, shuffle: true, seed: 3 };
  assert.equal(stepsPerEpoch(10, 4), 2);
  const e0 = [promptsOfStep(0, 10, order), promptsOfStep(1, 10, order)];
  assert.deepEqual(e0.map((s) => s.epoch), [0, 0]);
  const seen = new Set([...e0[0].indices, ...e0[1].indices]);
  assert.equal(seen.size, 8); // no prompt twice in an epoch
  const e1 = promptsOfStep(2, 10, order);
  assert.equal(e1.epoch, 1);
  assert.notDeepEqual(e1.indices, e0[0].indices); // a new permutation
  assert.deepEqual(promptsOfStep(2, 10, order), e1); // a function of the step alone
  assert.deepEqual(promptsOfStep(1, 10, { ...order, shuffle: false }).indices, [4, 5, 6, 7]);
  assert.throws(
    () => promptsOfStep(0, 3, order),
    /train_batch_size: 4 prompts per step, but the prompt set has only 3/,
  );
});

Deno.test("loadPrompts() reads verl's RL schema and names file:line of a bad record", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/p.jsonl`;
    await Deno.writeTextFile(
      f,
      JSON.stringify({
        data_source: "gsm8k",
        prompt: [{ role: "user", content: "1+1?" }],
        ability: "math",
        reward_model: { style: "rule", ground_truth: "2" },
        extra_info: { index: 0 },
      }) + "\n" + JSON.stringify({ data_source: "x", prompt: 5 }) + "\n",
    );
    await assert.rejects(loadPrompts(f), new RegExp(`${f}:2: field "prompt"`));
    await Deno.writeTextFile(f, (await Deno.readTextFile(f)).split("\n")[0] + "\n");
    const [p] = await loadPrompts(f);
    assert.deepEqual(p.messages, [{ role: "user", content: "1+1?" }]);
    assert.equal(p.meta.ground_truth, "2");
    assert.equal(p.meta.data_source, "gsm8k");
    assert.equal(p.meta.source, `${f}:1`);
    assert.equal((await loadPrompts("builtin:smoke")).length, 60);
    await assert.rejects(
      loadPrompts("builtin:nope"),
      /unknown built-in prompt set "builtin:nope" \(known: builtin:smoke, builtin:smoke-val\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("requestSeed() differs by step and prompt and is stable", () => {
  assert.equal(requestSeed(1, 2, 3), requestSeed(1, 2, 3));
  assert.notEqual(requestSeed(1, 2, 3), requestSeed(1, 3, 3));
  assert.notEqual(requestSeed(1, 2, 3), requestSeed(1, 2, 4));
});
