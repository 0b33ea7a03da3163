import assert from "node:assert/strict";
import { join } from "node:path";
import {
  defineModelConfig,
  parseModelConfig,
  readModelConfig,
  ropeInvFreq,
  toHfConfigJson,
  writeModelConfig,
} from "../../lib/model/mod.ts";

const FIXTURES = new URL("../fixtures/reference-models/", import.meta.url).pathname;

const QWEN3_BASE = {
  model_type: "qwen3",
  architectures: ["Qwen3ForCausalLM"],
  hidden_size: 1024,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  head_dim: 128,
  intermediate_size: 3072,
  vocab_size: 151936,
  rope_theta: 1000000,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: true,
  max_position_embeddings: 32768,
  torch_dtype: "bfloat16",
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: "silu",
  attention_bias: false,
  use_sliding_window: false,
  sliding_window: null,
};

Deno.test("parseModelConfig() reads a Qwen3-0.6B-Base style config with head_dim != hidden/heads", () => {
  const c = parseModelConfig(QWEN3_BASE);
  assert.equal(c.arch, "qwen3");
  assert.equal(c.task, "causal-lm");
  assert.equal(c.headDim, 128);
  assert.equal(c.numKeyValueHeads, 8);
  assert.equal(c.qkNorm, true);
  assert.equal(c.tieWordEmbeddings, true);
  assert.deepEqual(c.eosTokenId, [151643]);
  assert.equal(c.torchDtype, "bfloat16");
  assert.equal(c.ropeScaling, null);
});

Deno.test("parseModelConfig() reads a Skywork-Reward-V2-Llama style seq-cls config", () => {
  const c = parseModelConfig({
    model_type: "llama",
    architectures: ["LlamaForSequenceClassification"],
    hidden_size: 4096,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    intermediate_size: 14336,
    vocab_size: 128256,
    rope_theta: 500000,
    rms_norm_eps: 1e-5,
    max_position_embeddings: 131072,
    rope_scaling: {
      factor: 8,
      low_freq_factor: 1,
      high_freq_factor: 4,
      original_max_position_embeddings: 8192,
      rope_type: "llama3",
    },
    id2label: { "0": "LABEL_0" },
    label2id: { LABEL_0: 0 },
    pad_token_id: 128256 - 1,
    eos_token_id: [128001, 128008, 128009],
    dtype: "bfloat16",
  });
  assert.equal(c.task, "seq-cls");
  assert.equal(c.arch, "llama");
  assert.equal(c.qkNorm, false);
  assert.equal(c.headDim, 128);
  assert.equal(c.numLabels, 1);
  assert.deepEqual(c.eosTokenId, [128001, 128008, 128009]);
  assert.equal(c.torchDtype, "bfloat16");
  assert.deepEqual(c.ropeScaling, {
    type: "llama3",
    factor: 8,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositionEmbeddings: 8192,
  });
});

Deno.test("parseModelConfig() defaults num_labels to 2 without id2label, as transformers does", () => {
  const c = parseModelConfig({ ...QWEN3_BASE, architectures: ["Qwen3ForSequenceClassification"] });
  assert.equal(c.numLabels, 2);
  assert.equal(
    parseModelConfig({
      ...QWEN3_BASE,
      architectures: ["Qwen3ForSequenceClassification"],
      num_labels: 1,
    }).numLabels,
    1,
  );
});

Deno.test("parseModelConfig() errors name the file and the field", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { ...QWEN3_BASE, architectures: ["MistralForCausalLM"] },
      /my\/config\.json: field "architectures": unsupported architecture "MistralForCausalLM"/,
    ],
    [
      { ...QWEN3_BASE, num_key_value_heads: 5 },
      /my\/config\.json: field "num_key_value_heads": .*multiple/,
    ],
    [{ ...QWEN3_BASE, hidden_size: -3 }, /my\/config\.json: field "hidden_size"/],
    [{ ...QWEN3_BASE, hidden_size: undefined }, /field "hidden_size"/],
    [{ ...QWEN3_BASE, model_type: "llama" }, /field "model_type": "llama" does not match/],
    [{ ...QWEN3_BASE, head_dim: 7 }, /field "head_dim": must be even/],
    [{ ...QWEN3_BASE, hidden_act: "gelu" }, /field "hidden_act"/],
    [
      { ...QWEN3_BASE, eos_token_id: 999999 },
      /field "eos_token_id": 999999 is outside the vocabulary/,
    ],
    [
      { ...QWEN3_BASE, rope_scaling: { rope_type: "yarn", factor: 4 } },
      /field "rope_scaling.rope_type": unsupported "yarn"/,
    ],
    [
      { ...QWEN3_BASE, rope_scaling: { rope_type: "llama3", factor: 8 } },
      /field "rope_scaling.low_freq_factor": required/,
    ],
    [
      { ...QWEN3_BASE, id2label: { 0: "a", 1: "b" }, num_labels: 3 },
      /field "num_labels": 3 disagrees with id2label/,
    ],
  ];
  for (const [raw, re] of cases) assert.throws(() => parseModelConfig(raw, "my/config.json"), re);
});

Deno.test("toHfConfigJson() round-trips through parseModelConfig() for all fixture configs", async () => {
  for (const name of ["qwen3-gqa-untied", "qwen3-tied-bf16", "llama3-rope-scaled"]) {
    const c = await readModelConfig(join(FIXTURES, name));
    assert.deepEqual(parseModelConfig(toHfConfigJson(c)), c);
  }
  const seqCls = defineModelConfig({
    arch: "llama",
    task: "seq-cls",
    hiddenSize: 32,
    numHiddenLayers: 1,
    numAttentionHeads: 4,
    intermediateSize: 40,
    vocabSize: 64,
    eosTokenId: [1, 2],
    id2label: { "0": "LABEL_0" },
  });
  assert.deepEqual(parseModelConfig(JSON.parse(JSON.stringify(toHfConfigJson(seqCls)))), seqCls);
});

Deno.test("writeModelConfig() writes a config.json that readModelConfig() reads back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const c = defineModelConfig({
      arch: "qwen3",
      hiddenSize: 16,
      numHiddenLayers: 2,
      numAttentionHeads: 2,
      intermediateSize: 32,
      vocabSize: 30,
    });
    await writeModelConfig(join(dir, "m"), c);
    assert.deepEqual(await readModelConfig(join(dir, "m")), c);
    await Deno.writeTextFile(join(dir, "bad.json"), "{not json");
    await assert.rejects(() => readModelConfig(join(dir, "bad.json")), /bad\.json: invalid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ropeInvFreq() without scaling is theta^(-2i/d)", () => {
  const f = ropeInvFreq({ headDim: 8, ropeTheta: 10000, ropeScaling: null });
  assert.equal(f.length, 4);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(f[i] - 10000 ** (-(2 * i) / 8)) < 1e-18);
});

Deno.test("ropeInvFreq() applies the llama3 rule in all three bands (Llama 3.1 8B values)", () => {
  // Expected values: transformers' _compute_llama3_parameters evaluated in float64 (Python)
  // for theta 5e5, head_dim 128, factor 8, low 1, high 4, original context 8192.
  const f = ropeInvFreq({
    headDim: 128,
    ropeTheta: 500000,
    ropeScaling: {
      type: "llama3",
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    },
  });
  const expected: [number, number][] = [
    [0, 1.0], // high-frequency band: unchanged
    [20, 0.016560440080994446],
    [28, 0.0032114459947525913],
    [29, 0.002166570763503359], // medium band: interpolated
    [31, 0.0008567514129196321],
    [34, 0.00017850781276799638],
    [35, 9.556212353964683e-05], // low-frequency band: divided by 8
    [47, 8.160728247435943e-06],
    [63, 3.068925988914511e-07],
  ];
  for (const [i, v] of expected) {
    assert.ok(Math.abs(f[i] - v) <= 1e-14 * v, `inv_freq[${i}] = ${f[i]}, expected ${v}`);
  }
});
