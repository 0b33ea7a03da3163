import assert from "node:assert/strict";
import { join } from "node:path";
import {
  loadReferenceModel,
  referenceGreedy,
  referenceHidden,
  referenceLogits,
  referenceScores,
  tokenLogprobs,
} from "./reference_impl.ts";
import { defineModelConfig } from "../../lib/model/config.ts";
import { initParameters } from "../../lib/model/tiny.ts";

const FIXTURES = new URL("../fixtures/reference-models/", import.meta.url).pathname;
const MODELS = ["qwen3-gqa-untied", "qwen3-tied-bf16", "llama3-rope-scaled"];

interface Expected {
  ids: number[][];
  logits: number[][][];
  token_logprobs: number[][];
  loss: number;
  greedy_prompt: number[];
  greedy_ids: number[];
}

async function fixture(name: string) {
  const dir = join(FIXTURES, name);
  const expected = JSON.parse(await Deno.readTextFile(join(dir, "expected.json"))) as Expected;
  return { ...(await loadReferenceModel(dir)), expected };
}

for (const name of MODELS) {
  Deno.test(`referenceLogits() matches the independent float64 logits of ${name} to 1e-9`, async () => {
    const { config, weights, expected } = await fixture(name);
    const V = config.vocabSize, T = expected.ids[0].length;
    const logits = referenceLogits(config, weights, expected.ids);
    let worst = 0;
    for (let b = 0; b < expected.ids.length; b++) {
      for (let t = 0; t < T; t++) {
        const row = expected.logits[b][t];
        assert.deepStrictEqual(row.length, V);
        const scale = Math.max(1, ...row.map(Math.abs));
        for (let i = 0; i < V; i++) {
          worst = Math.max(worst, Math.abs(logits[(b * T + t) * V + i] - row[i]) / scale);
        }
      }
    }
    assert.ok(worst < 1e-9, `${name}: worst relative logit error ${worst}`);
  });

  Deno.test(`tokenLogprobs() and the mean loss match the fixtures of ${name}`, async () => {
    const { config, weights, expected } = await fixture(name);
    const lp = tokenLogprobs(
      referenceLogits(config, weights, expected.ids),
      expected.ids,
      config.vocabSize,
    );
    let sum = 0, n = 0;
    for (let b = 0; b < lp.length; b++) {
      for (let t = 0; t < lp[b].length; t++) {
        const e = expected.token_logprobs[b][t];
        assert.ok(
          Math.abs(lp[b][t] - e) <= 1e-9 * Math.max(1, Math.abs(e)),
          `${name} [${b}][${t}]: ${lp[b][t]} vs ${e}`,
        );
        sum -= lp[b][t];
        n++;
      }
    }
    assert.deepStrictEqual(n, 46);
    assert.ok(
      Math.abs(sum / n - expected.loss) < 1e-9,
      `${name} loss ${sum / n} vs ${expected.loss}`,
    );
  });

  Deno.test(`referenceGreedy() reproduces the greedy continuation of ${name}`, async () => {
    const { config, weights, expected } = await fixture(name);
    assert.deepStrictEqual(
      referenceGreedy(config, weights, expected.greedy_prompt, expected.greedy_ids.length),
      expected.greedy_ids,
    );
  });
}

Deno.test("referenceLogits() ignores left padding when positions skip the pads", async () => {
  const { config, weights, expected } = await fixture("qwen3-gqa-untied");
  const row = expected.ids[0].slice(0, 10);
  const V = config.vocabSize;
  const plain = referenceLogits(config, weights, [row]);
  const padded = referenceLogits(config, weights, [[0, 0, 0, ...row]], {
    attentionMask: [[0, 0, 0, ...row.map(() => 1)]],
    positionIds: [[0, 0, 0, ...row.map((_, i) => i)]],
  });
  for (let i = 0; i < row.length * V; i++) {
    assert.ok(Math.abs(padded[3 * V + i] - plain[i]) < 1e-12);
  }
});

Deno.test("referenceLogits() depends on the q/k norm weights of a qwen3 model", async () => {
  const { config, weights, expected } = await fixture("qwen3-gqa-untied");
  const before = referenceLogits(config, weights, [expected.ids[0]]);
  const w2 = new Map(weights);
  w2.set(
    "model.layers.0.self_attn.k_norm.weight",
    weights.get("model.layers.0.self_attn.k_norm.weight")!.map(() => 1),
  );
  const after = referenceLogits(config, w2, [expected.ids[0]]);
  assert.ok(after.some((v, i) => Math.abs(v - before[i]) > 1e-6));
});

Deno.test("referenceScores() reads the score head at the last non-padding token", () => {
  const config = defineModelConfig({
    arch: "llama",
    task: "seq-cls",
    hiddenSize: 16,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    intermediateSize: 24,
    vocabSize: 20,
    padTokenId: 0,
  });
  const params = initParameters(config, { seed: 3, std: 0.3 });
  const w = new Map([...params].map(([n, t]) => [n, Float64Array.from(t.data)]));
  const ids = [[5, 6, 7, 0, 0], [5, 6, 7, 8, 9]];
  const scores = referenceScores(config, w, ids, {
    attentionMask: [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]],
  });
  const hidden = referenceHidden(config, w, ids);
  const score = w.get("score.weight")!;
  for (const [b, t] of [[0, 2], [1, 4]]) {
    let s = 0;
    for (let i = 0; i < 16; i++) s += score[i] * hidden[(b * 5 + t) * 16 + i];
    assert.ok(Math.abs(scores[b] - s) < 1e-12);
  }
  // Without a mask the pad id decides.
  assert.deepStrictEqual(referenceScores(config, w, ids), scores);
});
