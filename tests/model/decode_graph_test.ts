import assert from "node:assert/strict";
import { encodeModel, type HostTensor, Session } from "../../lib/graph/mod.ts";
import { padBatch } from "../../lib/model/batch.ts";
import { defineModelConfig, type ModelConfig } from "../../lib/model/config.ts";
import { CausalLmRunner } from "../../lib/model/forward.ts";
import {
  buildCausalLmGraph,
  buildDecodeGraph,
  pastName,
  presentName,
} from "../../lib/model/graphs.ts";
import type { F32Tensor } from "../../lib/model/safetensors.ts";
import { initParameters } from "../../lib/model/tiny.ts";
import { FIXTURE_MODELS, loadFixture, runOnce, worstRowError } from "./_graph_fixtures.ts";

const emptyCache = (config: ModelConfig, batch: number): Record<string, HostTensor> => {
  const feeds: Record<string, HostTensor> = {};
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const kind of ["key", "value"] as const) {
      feeds[pastName(i, kind)] = {
        dtype: "float64",
        shape: [batch, config.numKeyValueHeads, 0, config.headDim],
        data: new Float64Array(0),
      };
    }
  }
  return feeds;
};

const cacheOf = (
  config: ModelConfig,
  out: Record<string, HostTensor>,
): Record<string, HostTensor> => {
  const feeds: Record<string, HostTensor> = {};
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const kind of ["key", "value"] as const) {
      feeds[pastName(i, kind)] = out[presentName(i, kind)];
    }
  }
  return feeds;
};

const int64 = (shape: number[], values: number[]): HostTensor => ({
  dtype: "int64",
  shape,
  data: BigInt64Array.from(values, (v) => BigInt(v)),
});

async function openDecoder(
  config: ModelConfig,
  params: Map<string, F32Tensor>,
  lastLogitsOnly = false,
) {
  const g = buildDecodeGraph(config, { weights: params, dtype: "float64", lastLogitsOnly });
  return await Session.create(encodeModel(g), { ep: "cpu", threads: 2, optimization: "basic" });
}

Deno.test("buildDecodeGraph(): a prefill then token-by-token KV-cache steps reproduce the full-sequence logits (qwen3-gqa-untied)", async () => {
  const f = await loadFixture("qwen3-gqa-untied");
  const ids = f.expected.ids[0], V = f.config.vocabSize, P = 10;
  const full = (await runOnce(
    buildCausalLmGraph(f.config, { weights: f.params, dtype: "float64" }),
    padBatch([ids]).feeds,
    { float64: true },
  ))
    .logits.data as Float64Array;
  const s = await openDecoder(f.config, f.params);
  try {
    let out = await s.run({
      ...emptyCache(f.config, 1),
      input_ids: int64([1, P], ids.slice(0, P)),
      attention_mask: int64([1, P], new Array(P).fill(1)),
      position_ids: int64([1, P], [...Array(P).keys()]),
    });
    assert.deepStrictEqual(out.logits.shape, [1, P, V]);
    assert.ok(
      worstRowError(out.logits.data as Float64Array, full.subarray(0, P * V), V, 1) < 1e-12,
    );
    for (let t = P; t < ids.length; t++) {
      out = await s.run({
        ...cacheOf(f.config, out),
        input_ids: int64([1, 1], [ids[t]]),
        attention_mask: int64([1, t + 1], new Array(t + 1).fill(1)),
        position_ids: int64([1, 1], [t]),
      });
      assert.deepStrictEqual(out[presentName(1, "value")].shape, [
        1,
        f.config.numKeyValueHeads,
        t + 1,
        f.config.headDim,
      ]);
      const err = worstRowError(
        out.logits.data as Float64Array,
        full.subarray(t * V, (t + 1) * V),
        V,
        1,
      );
      assert.ok(err < 1e-12, `step ${t}: error ${err}`);
    }
  } finally {
    await s.release();
  }
});

for (const name of FIXTURE_MODELS) {
  Deno.test(`CausalLmRunner.greedy() (float32 prefill + KV-cache decode) reproduces ${name}'s greedy_ids`, async () => {
    const f = await loadFixture(name);
    const runner = CausalLmRunner.fromParams(f.config, f.params, { ep: "cpu", threads: 2 });
    try {
      assert.deepStrictEqual(
        await runner.greedy(f.expected.greedy_prompt, f.expected.greedy_ids.length),
        f.expected.greedy_ids,
      );
      const stop = f.expected.greedy_ids[3];
      const early = await runner.greedy(f.expected.greedy_prompt, 12, { stopIds: [stop] });
      assert.deepStrictEqual(
        early,
        f.expected.greedy_ids.slice(0, f.expected.greedy_ids.indexOf(stop) + 1),
      );
    } finally {
      await runner.release();
    }
  });
}

Deno.test("buildDecodeGraph({lastLogitsOnly}) decodes a left-padded batch: each row's last logits equal its unpadded full run", async () => {
  const config = defineModelConfig({
    arch: "llama",
    hiddenSize: 32,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 1,
    intermediateSize: 48,
    vocabSize: 23,
  });
  const params = initParameters(config, { seed: 6, std: 0.3, normStd: 0.2 });
  const prompts = [[4, 9, 1, 7, 7], [2], [8, 3, 5]];
  const next = [[11, 12, 13], [14, 15, 16], [17, 18, 19]]; // tokens fed at the 3 decode steps
  const V = config.vocabSize;
  const full = buildCausalLmGraph(config, { weights: params, dtype: "float64" });
  const s = await openDecoder(config, params, true);
  try {
    const batch = padBatch(prompts, { side: "left", padId: 0 });
    let mask = [...batch.feeds.attention_mask.data].map(Number);
    let pos = prompts.map((p) => p.length);
    let out = await s.run({ ...emptyCache(config, 3), ...batch.feeds });
    let total = batch.seq;
    for (let step = 0; step <= 3; step++) {
      assert.deepStrictEqual(out.logits.shape, [3, 1, V]);
      for (let b = 0; b < 3; b++) {
        const seq = [...prompts[b], ...next[b].slice(0, step)];
        const want = (await runOnce(full, padBatch([seq]).feeds, { float64: true })).logits
          .data as Float64Array;
        const got = (out.logits.data as Float64Array).subarray(b * V, (b + 1) * V);
        const err = worstRowError(got, want.subarray((seq.length - 1) * V), V, 1);
        assert.ok(err < 1e-12, `step ${step} row ${b}: error ${err}`);
      }
      if (step === 3) break;
      mask = prompts.flatMap((_, b) => [...mask.slice(b * total, (b + 1) * total), 1]);
      total += 1;
      out = await s.run({
        ...cacheOf(config, out),
        input_ids: int64([3, 1], next.map((n) => n[step])),
        attention_mask: int64([3, total], mask),
        position_ids: int64([3, 1], pos),
      });
      pos = pos.map((p) => p + 1);
    }
  } finally {
    await s.release();
  }
});

Deno.test("buildDecodeGraph() declares HF-named weight inputs and genai/transformers.js cache names", () => {
  const config = defineModelConfig({
    arch: "qwen3",
    hiddenSize: 16,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 32,
    vocabSize: 20,
  });
  const g = buildDecodeGraph(config);
  const inputs = g.inputs.map((v) => `${v.name}[${v.shape}]`);
  assert.ok(inputs.includes("past_key_values.1.value[batch,2,past_seq,8]"));
  assert.ok(inputs.includes("attention_mask[batch,total_seq]"));
  assert.ok(inputs.includes("model.layers.0.self_attn.q_norm.weight[8]"));
  assert.deepStrictEqual(g.outputs.map((v) => v.name), [
    "logits",
    "present.0.key",
    "present.0.value",
    "present.1.key",
    "present.1.value",
  ]);
});

Deno.test("CausalLmRunner with weights fed as inputs gives the same logits and greedy ids as with initializers", async () => {
  const f = await loadFixture("llama3-rope-scaled");
  const fed = CausalLmRunner.fromParams(f.config, f.params, {
    ep: "cpu",
    threads: 2,
    weightsAs: "inputs",
  });
  const held = CausalLmRunner.fromParams(f.config, f.params, { ep: "cpu", threads: 2 });
  try {
    const batch = padBatch(f.expected.ids);
    const a = (await fed.logits(batch)).data as Float32Array,
      b = (await held.logits(batch)).data as Float32Array;
    assert.ok(worstRowError(a, b, f.config.vocabSize, 1) < 1e-6);
    assert.deepStrictEqual(await fed.greedy(f.expected.greedy_prompt, 12), f.expected.greedy_ids);
  } finally {
    await fed.release();
    await held.release();
  }
});
