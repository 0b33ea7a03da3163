import assert from "node:assert/strict";
import { encodeModel } from "../../lib/graph/mod.ts";
import { padBatch, type PadSide } from "../../lib/model/batch.ts";
import { defineModelConfig, type ModelConfig } from "../../lib/model/config.ts";
import { buildCausalLmGraph } from "../../lib/model/graphs.ts";
import type { F32Tensor } from "../../lib/model/safetensors.ts";
import { initParameters } from "../../lib/model/tiny.ts";
import { referenceLogits } from "./reference_impl.ts";
import {
  FIXTURE_MODELS,
  int64Feed,
  loadFixture,
  runOnce,
  worstRowError,
} from "./_graph_fixtures.ts";

for (const name of FIXTURE_MODELS) {
  Deno.test(`buildCausalLmGraph() float32 logits of ${name} match the fixture's float64 logits to 1e-4 of each row's max`, async () => {
    const f = await loadFixture(name);
    const out = await runOnce(
      buildCausalLmGraph(f.config, { weights: f.params }),
      padBatch(f.expected.ids).feeds,
    );
    assert.deepStrictEqual(out.logits.shape, [2, 24, f.config.vocabSize]);
    const err = worstRowError(
      out.logits.data as Float32Array,
      f.expected.logits.flat(2),
      f.config.vocabSize,
    );
    assert.ok(err < 1e-4, `${name}: worst relative logit error ${err}`);
  });

  Deno.test(`buildCausalLmGraph({output: "logprobs"}) of ${name} gives the fixture's next-token log-probs`, async () => {
    const f = await loadFixture(name);
    const ids = f.expected.ids, T = ids[0].length;
    const targets = int64Feed(ids.map((r) => r.map((_, t) => r[Math.min(t + 1, T - 1)])));
    const g = buildCausalLmGraph(f.config, { weights: f.params, output: "logprobs" });
    const out = await runOnce(g, { ...padBatch(ids).feeds, targets });
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t + 1 < T; t++) {
        const got = Number(out.logprobs.data[b * T + t]), want = f.expected.token_logprobs[b][t];
        assert.ok(
          Math.abs(got - want) < 1e-4 * Math.max(1, Math.abs(want)),
          `${name} [${b},${t}]: ${got} vs ${want}`,
        );
      }
    }
  });
}

/** Tiny random configs covering GQA, head_dim != hidden/heads, tied/untied, llama3 rope scaling. */
const CONFIGS: Record<string, ModelConfig> = {
  "qwen3 GQA, head_dim 10 != 24/4, untied": defineModelConfig({
    arch: "qwen3",
    hiddenSize: 24,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 10,
    intermediateSize: 40,
    vocabSize: 37,
    ropeTheta: 1e6,
  }),
  "qwen3 tied, 3 heads over 1 kv head": defineModelConfig({
    arch: "qwen3",
    hiddenSize: 18,
    numHiddenLayers: 2,
    numAttentionHeads: 3,
    numKeyValueHeads: 1,
    headDim: 8,
    intermediateSize: 30,
    vocabSize: 29,
    tieWordEmbeddings: true,
  }),
  "llama GQA with llama3 rope scaling": defineModelConfig({
    arch: "llama",
    hiddenSize: 32,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    intermediateSize: 44,
    vocabSize: 41,
    ropeTheta: 5e5,
    rmsNormEps: 1e-5,
    ropeScaling: {
      type: "llama3",
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 16,
    },
  }),
};

function randomRows(lengths: number[], vocab: number, seed: number): number[][] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) % vocab;
  return lengths.map((n) => Array.from({ length: n }, next));
}

function widen(params: Map<string, F32Tensor>): Map<string, Float64Array> {
  return new Map([...params].map(([k, t]) => [k, Float64Array.from(t.data)]));
}

for (const [label, config] of Object.entries(CONFIGS)) {
  Deno.test(`buildCausalLmGraph() matches referenceLogits() on a random ${label} model (float64 to 1e-10, float32 to 1e-4)`, async () => {
    const params = initParameters(config, { seed: 11, std: 0.3, normStd: 0.2 });
    const rows = randomRows([9, 9, 9], config.vocabSize, 5);
    const want = referenceLogits(config, widen(params), rows);
    for (const dtype of ["float64", "float32"] as const) {
      const out = await runOnce(
        buildCausalLmGraph(config, { weights: params, dtype }),
        padBatch(rows).feeds,
        {
          float64: dtype === "float64",
        },
      );
      const err = worstRowError(out.logits.data as Float64Array, want, config.vocabSize, 1);
      assert.ok(err < (dtype === "float64" ? 1e-10 : 1e-4), `${label} ${dtype}: error ${err}`);
    }
  });
}

for (const side of ["left", "right"] as PadSide[]) {
  Deno.test(`a ${side}-padded batch gives each row's unpadded logits on its real positions`, async () => {
    const config = CONFIGS["qwen3 GQA, head_dim 10 != 24/4, untied"];
    const params = initParameters(config, { seed: 2, std: 0.3, normStd: 0.2 });
    const rows = randomRows([7, 3, 5, 1], config.vocabSize, 9);
    const V = config.vocabSize;
    const g = buildCausalLmGraph(config, { weights: params, dtype: "float64" });
    const batch = padBatch(rows, { side, padId: 4 });
    const padded = (await runOnce(g, batch.feeds, { float64: true })).logits.data as Float64Array;
    for (let b = 0; b < rows.length; b++) {
      const alone = (await runOnce(g, padBatch([rows[b]]).feeds, { float64: true })).logits
        .data as Float64Array;
      const start = (b * batch.seq + batch.offsets[b]) * V;
      const err = worstRowError(padded.subarray(start, start + rows[b].length * V), alone, V, 1);
      assert.ok(err < 1e-12, `${side} padding, row ${b}: error ${err}`);
    }
  });
}

Deno.test("logprobs and entropy outputs equal log_softmax(logits) gathered at the targets and -sum p log p", async () => {
  const config = CONFIGS["llama GQA with llama3 rope scaling"];
  const params = initParameters(config, { seed: 4, std: 0.4 });
  const rows = randomRows([6, 6], config.vocabSize, 3);
  const targets = randomRows([6, 6], config.vocabSize, 8);
  const feeds = padBatch(rows).feeds;
  const logits =
    (await runOnce(buildCausalLmGraph(config, { weights: params, dtype: "float64" }), feeds, {
      float64: true,
    }))
      .logits.data as Float64Array;
  const g = buildCausalLmGraph(config, { weights: params, dtype: "float64", output: "logprobs" });
  assert.deepStrictEqual(g.outputs.map((v) => v.name), ["logprobs", "entropy"]);
  const out = await runOnce(g, { ...feeds, targets: int64Feed(targets) }, { float64: true });
  const V = config.vocabSize;
  for (let r = 0; r < 12; r++) {
    const row = logits.subarray(r * V, (r + 1) * V);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
    const want = row[targets.flat()[r]] - lse;
    const entropy = -row.reduce((s, x) => s + Math.exp(x - lse) * (x - lse), 0);
    assert.ok(Math.abs(Number(out.logprobs.data[r]) - want) < 1e-12, `logprob ${r}`);
    assert.ok(Math.abs(Number(out.entropy.data[r]) - entropy) < 1e-12, `entropy ${r}`);
    assert.ok(entropy > 0.5, "entropy is not trivially small");
  }
});

Deno.test("buildCausalLmGraph() with weights as inputs names them as in Hugging Face and needs no weight data", () => {
  const config = CONFIGS["qwen3 tied, 3 heads over 1 kv head"];
  const g = buildCausalLmGraph(config);
  assert.deepStrictEqual(g.initializers.size, 0);
  const names = g.inputs.map((v) => v.name);
  assert.ok(names.includes("model.layers.1.self_attn.k_norm.weight"));
  assert.ok(!names.includes("lm_head.weight"), "a tied model has no lm_head input");
  assert.deepStrictEqual(names.slice(-3), ["input_ids", "attention_mask", "position_ids"]);
  assert.ok(encodeModel(g).byteLength < 200_000);
  assert.throws(
    () => buildCausalLmGraph({ ...config, task: "seq-cls" }),
    /needs a causal-lm config/,
  );
});
