import assert from "node:assert/strict";
import { padBatch, type PadSide } from "../../lib/model/batch.ts";
import { defineModelConfig } from "../../lib/model/config.ts";
import { buildRewardGraph, buildValueGraph } from "../../lib/model/graphs.ts";
import type { F32Tensor } from "../../lib/model/safetensors.ts";
import { initParameters } from "../../lib/model/tiny.ts";
import { initValueModel, valueModelConfig } from "../../lib/model/value_model.ts";
import { referenceHidden, referenceScores } from "./reference_impl.ts";
import { runOnce } from "./_graph_fixtures.ts";

const base = {
  hiddenSize: 24,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 8,
  intermediateSize: 40,
  vocabSize: 31,
} as const;
const ROWS = [[3, 14, 15, 9, 2, 6], [5, 3], [5, 8, 9, 7]];

const widen = (p: ReadonlyMap<string, F32Tensor>) =>
  new Map([...p].map(([k, t]) => [k, Float64Array.from(t.data)]));

for (const arch of ["qwen3", "llama"] as const) {
  for (const side of ["left", "right"] as PadSide[]) {
    Deno.test(`buildRewardGraph() scores of a ${arch} seq-cls model on a ${side}-padded batch match referenceScores()`, async () => {
      const config = defineModelConfig({
        ...base,
        arch,
        task: "seq-cls",
        numLabels: 2,
        padTokenId: 0,
      });
      const params = initParameters(config, { seed: 5, std: 0.3, normStd: 0.2 });
      const batch = padBatch(ROWS, { side, padId: 0 });
      const mask = [...batch.feeds.attention_mask.data].map(Number);
      const ids = [...batch.feeds.input_ids.data].map(Number);
      const nested = (a: number[]) =>
        ROWS.map((_, b) => a.slice(b * batch.seq, (b + 1) * batch.seq));
      const want = referenceScores(config, widen(params), nested(ids), {
        attentionMask: nested(mask),
        positionIds: nested([...batch.feeds.position_ids.data].map(Number)),
      });
      const out = await runOnce(
        buildRewardGraph(config, { weights: params, dtype: "float64" }),
        batch.feeds,
        { float64: true },
      );
      assert.deepStrictEqual(out.scores.shape, [3, 2]);
      const got = out.scores.data as Float64Array;
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) < 1e-10, `score ${i}: ${got[i]} vs ${want[i]}`);
      }
      // The same rows unpadded give the same scores: padding side does not matter.
      for (let b = 0; b < ROWS.length; b++) {
        const alone = await runOnce(
          buildRewardGraph(config, { weights: params, dtype: "float64" }),
          padBatch([ROWS[b]]).feeds,
          { float64: true },
        );
        for (let l = 0; l < 2; l++) {
          assert.ok(Math.abs(Number(alone.scores.data[l]) - got[b * 2 + l]) < 1e-10);
        }
      }
    });
  }
}

Deno.test("buildValueGraph() gives score.weight . hidden at every position of a padded batch", async () => {
  const policy = defineModelConfig({ ...base, arch: "qwen3" });
  const { config, params } = initValueModel(policy, initParameters(policy, { seed: 8, std: 0.3 }), {
    head: "random",
    seed: 1,
    std: 0.5,
  });
  assert.strictEqual(config.architecture, "Qwen3ForSequenceClassification");
  assert.ok(!params.has("lm_head.weight"));
  const batch = padBatch(ROWS, { side: "left" });
  const out = await runOnce(
    buildValueGraph(config, { weights: params, dtype: "float64" }),
    batch.feeds,
    { float64: true },
  );
  assert.deepStrictEqual(out.values.shape, [3, batch.seq]);
  const H = config.hiddenSize, score = params.get("score.weight")!.data;
  for (let b = 0; b < ROWS.length; b++) {
    const hidden = referenceHidden(config, widen(params), [ROWS[b]]);
    for (let t = 0; t < ROWS[b].length; t++) {
      let want = 0;
      for (let i = 0; i < H; i++) want += score[i] * hidden[t * H + i];
      const got = Number(out.values.data[b * batch.seq + batch.offsets[b] + t]);
      assert.ok(Math.abs(got - want) < 1e-10, `value [${b},${t}]: ${got} vs ${want}`);
      assert.ok(Math.abs(want) > 1e-3, "values are not trivially zero");
    }
  }
});

Deno.test("initValueModel() from a policy starts at zero values; from a reward model it keeps the RM's score head", async () => {
  const policy = defineModelConfig({ ...base, arch: "llama", tieWordEmbeddings: true });
  const fromPolicy = initValueModel(policy, initParameters(policy, { seed: 2, std: 0.3 }));
  const batch = padBatch(ROWS);
  const zero = await runOnce(
    buildValueGraph(fromPolicy.config, { weights: fromPolicy.params }),
    batch.feeds,
  );
  assert.ok((zero.values.data as Float32Array).every((v) => v === 0));

  const rmConfig = defineModelConfig({ ...base, arch: "llama", task: "seq-cls", numLabels: 1 });
  const rmParams = initParameters(rmConfig, { seed: 4, std: 0.3 });
  const critic = initValueModel(rmConfig, rmParams);
  assert.strictEqual(critic.params.get("score.weight"), rmParams.get("score.weight"));
  const values = await runOnce(
    buildValueGraph(critic.config, { weights: critic.params }),
    batch.feeds,
  );
  const scores = await runOnce(buildRewardGraph(rmConfig, { weights: rmParams }), batch.feeds);
  for (let b = 0; b < ROWS.length; b++) {
    const last = Number(values.values.data[b * batch.seq + ROWS[b].length - 1]);
    assert.ok(
      Math.abs(last - Number(scores.scores.data[b])) < 1e-5,
      `row ${b}: value at the last token ${last} vs RM score`,
    );
  }
  assert.throws(
    () =>
      initValueModel(
        defineModelConfig({ ...base, arch: "llama", task: "seq-cls", numLabels: 3 }),
        rmParams,
        { head: "keep" },
      ),
    /one-label seq-cls base/,
  );
  assert.throws(
    () => buildValueGraph(defineModelConfig({ ...base, arch: "llama" })),
    /needs a seq-cls config/,
  );
  assert.strictEqual(valueModelConfig(rmConfig).numLabels, 1);
});
