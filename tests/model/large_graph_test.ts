import assert from "node:assert/strict";
import { buildTrainArtifacts, encodeModel, Session } from "../../lib/graph/mod.ts";
import { defineModelConfig } from "../../lib/model/config.ts";
import { buildCausalLmGraph, buildDecodeGraph } from "../../lib/model/graphs.ts";
import { lmTrainSpec } from "../../lib/model/lm_loss.ts";

/** Qwen3-0.6B's shape (config.json of Qwen/Qwen3-0.6B-Base). */
const QWEN3_06B = defineModelConfig({
  arch: "qwen3",
  hiddenSize: 1024,
  numHiddenLayers: 28,
  numAttentionHeads: 16,
  numKeyValueHeads: 8,
  headDim: 128,
  intermediateSize: 3072,
  vocabSize: 151936,
  ropeTheta: 1e6,
  tieWordEmbeddings: true,
  maxPositionEmbeddings: 32768,
});

Deno.test("Qwen3-0.6B's graphs (logprobs, decode, train step) build and encode without weight data", async () => {
  const logprobs = encodeModel(buildCausalLmGraph(QWEN3_06B, { output: "logprobs" }));
  const decode = encodeModel(buildDecodeGraph(QWEN3_06B, { lastLogitsOnly: true }));
  const train = await buildTrainArtifacts(lmTrainSpec(QWEN3_06B, { maxGradNorm: 1 }));
  // 596M parameters would be 2.4 GB as float32: the encodings hold none of them.
  for (const bytes of [logprobs, decode, train.train, train.grad, train.apply]) {
    assert.ok(bytes.byteLength < 4e6, `${bytes.byteLength} bytes`);
  }
  assert.strictEqual(
    train.manifest.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
    596_049_920,
  );
  // onnxruntime accepts the forward graph (loads and resolves it; weights are fed at run time).
  const s = await Session.create(logprobs, { ep: "cpu", threads: 2 });
  assert.ok(s.inputNames.includes("model.layers.27.self_attn.k_norm.weight"));
  await s.release();
});
