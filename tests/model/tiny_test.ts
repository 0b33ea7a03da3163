import assert from "node:assert/strict";
import { valueModelConfig } from "../../lib/model/value_model.ts";
import { join } from "node:path";
import {
  benchConfig,
  checkParameters,
  createTinyModel,
  defineModelConfig,
  forwardFlops,
  initParameters,
  loadModel,
  parameterSpecs,
  readModelConfig,
  SafetensorsFile,
} from "../../lib/model/mod.ts";

const FIXTURES = new URL("../fixtures/reference-models/", import.meta.url).pathname;

const small = (over: Partial<Parameters<typeof defineModelConfig>[0]> = {}) =>
  defineModelConfig({
    arch: "qwen3",
    hiddenSize: 16,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 6,
    intermediateSize: 24,
    vocabSize: 50,
    ...over,
  });

Deno.test("parameterSpecs() lists exactly the tensors of the independent fixture checkpoints", async () => {
  for (const name of ["qwen3-gqa-untied", "qwen3-tied-bf16", "llama3-rope-scaled"]) {
    const dir = join(FIXTURES, name);
    const config = await readModelConfig(dir);
    const f = await SafetensorsFile.open(join(dir, "model.safetensors"));
    try {
      const specs = parameterSpecs(config);
      assert.deepEqual(specs.map((s) => s.name).sort(), f.names().sort(), name);
      for (const s of specs) assert.deepEqual(s.shape, f.info(s.name).shape, `${name}: ${s.name}`);
    } finally {
      await f.close();
    }
  }
});

Deno.test("parameterSpecs() follows transformers' named_parameters() order and head shapes", () => {
  const names = parameterSpecs(small()).map((s) => s.name);
  assert.deepEqual(names.slice(0, 12), [
    "model.embed_tokens.weight",
    "model.layers.0.self_attn.q_proj.weight",
    "model.layers.0.self_attn.k_proj.weight",
    "model.layers.0.self_attn.v_proj.weight",
    "model.layers.0.self_attn.o_proj.weight",
    "model.layers.0.self_attn.q_norm.weight",
    "model.layers.0.self_attn.k_norm.weight",
    "model.layers.0.mlp.gate_proj.weight",
    "model.layers.0.mlp.up_proj.weight",
    "model.layers.0.mlp.down_proj.weight",
    "model.layers.0.input_layernorm.weight",
    "model.layers.0.post_attention_layernorm.weight",
  ]);
  assert.deepEqual(names.slice(-2), ["model.norm.weight", "lm_head.weight"]);
  const specs = new Map(parameterSpecs(small()).map((s) => [s.name, s.shape]));
  assert.deepEqual(specs.get("model.layers.1.self_attn.q_proj.weight"), [24, 16]);
  assert.deepEqual(specs.get("model.layers.1.self_attn.k_proj.weight"), [12, 16]);
  assert.deepEqual(specs.get("model.layers.1.self_attn.o_proj.weight"), [16, 24]);
  const tied = parameterSpecs(small({ tieWordEmbeddings: true })).map((s) => s.name);
  assert.equal(tied.at(-1), "model.norm.weight");
  const cls = parameterSpecs(small({ arch: "llama", task: "seq-cls", numLabels: 3 }));
  assert.deepEqual(cls.at(-1), { name: "score.weight", shape: [3, 16], kind: "linear" });
  assert.ok(!cls.some((s) => s.name.includes("q_norm")));
});

Deno.test("initParameters() is deterministic per seed, N(0, std) for matrices, ones for norms, zero pad row", () => {
  const config = small({ padTokenId: 3, hiddenSize: 64, vocabSize: 400 });
  const a = initParameters(config, { seed: 9, std: 0.05 });
  const b = initParameters(config, { seed: 9, std: 0.05 });
  const c = initParameters(config, { seed: 10, std: 0.05 });
  assert.deepEqual(a.get("lm_head.weight")!.data, b.get("lm_head.weight")!.data);
  assert.notDeepEqual(a.get("lm_head.weight")!.data, c.get("lm_head.weight")!.data);
  const emb = a.get("model.embed_tokens.weight")!.data;
  assert.ok(emb.subarray(3 * 64, 4 * 64).every((v) => v === 0));
  const w = a.get("lm_head.weight")!.data;
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(mean) < 0.002 && Math.abs(std - 0.05) < 0.002, `mean ${mean} std ${std}`);
  assert.ok(a.get("model.norm.weight")!.data.every((v) => v === 1));
  const jittered = initParameters(config, { seed: 9, normStd: 0.1 }).get("model.norm.weight")!.data;
  assert.ok(jittered.some((v) => v !== 1) && jittered.every((v) => Math.abs(v - 1) < 0.6));
});

Deno.test("createTinyModel() writes an HF directory that loadModel() reads back exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = small({ tieWordEmbeddings: true });
    const params = await createTinyModel(dir, config, { seed: 1 });
    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.config, config);
    assert.deepEqual([...loaded.params.keys()], parameterSpecs(config).map((s) => s.name));
    for (const [n, t] of params) assert.deepEqual(loaded.params.get(n)!.data, t.data, n);

    const bf = join(dir, "bf16");
    const rounded = await createTinyModel(bf, config, { seed: 1, dtype: "BF16" });
    const back = await loadModel(bf);
    assert.equal(back.config.torchDtype, "bfloat16");
    for (const [n, t] of rounded) assert.deepEqual(back.params.get(n)!.data, t.data, n);
    assert.notDeepEqual(
      rounded.get("model.embed_tokens.weight")!.data,
      params.get("model.embed_tokens.weight")!.data,
    );

    const sharded = join(dir, "sharded");
    await createTinyModel(sharded, config, { seed: 1, maxShardBytes: 2000 });
    assert.ok(Deno.statSync(join(sharded, "model.safetensors.index.json")).isFile);
    const s = await loadModel(sharded);
    for (const [n, t] of params) assert.deepEqual(s.params.get(n)!.data, t.data, n);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkParameters() names missing, misshapen and unexpected tensors", () => {
  const config = small();
  const params = initParameters(config, { seed: 2 });
  params.delete("model.layers.1.mlp.up_proj.weight");
  assert.throws(
    () => checkParameters(config, params, "ckpt"),
    /ckpt: missing parameter\(s\) model\.layers\.1\.mlp\.up_proj\.weight/,
  );
  const p2 = initParameters(config, { seed: 2 });
  p2.set("model.norm.weight", { shape: [15], data: new Float32Array(15) });
  assert.throws(
    () => checkParameters(config, p2, "ckpt"),
    /"model\.norm\.weight" has shape \[15\] \(15 values\), expected \[16\]/,
  );
  const p3 = initParameters(config, { seed: 2 });
  p3.set("score.weight", { shape: [1, 16], data: new Float32Array(16) });
  assert.throws(
    () => checkParameters(config, p3, "ckpt"),
    /unexpected parameter\(s\) for Qwen3ForCausalLM: score\.weight/,
  );
});

Deno.test("benchConfig() gives the DESIGN.md S and M configs", () => {
  const s = benchConfig("S"), m = benchConfig("M");
  assert.deepEqual(
    [
      s.hiddenSize,
      s.numHiddenLayers,
      s.numAttentionHeads,
      s.numKeyValueHeads,
      s.headDim,
      s.intermediateSize,
      s.vocabSize,
    ],
    [256, 4, 4, 2, 64, 768, 8192],
  );
  assert.deepEqual(
    [
      m.hiddenSize,
      m.numHiddenLayers,
      m.numAttentionHeads,
      m.numKeyValueHeads,
      m.headDim,
      m.intermediateSize,
      m.vocabSize,
    ],
    [512, 8, 8, 4, 64, 1536, 32768],
  );
  assert.ok(
    s.tieWordEmbeddings && m.tieWordEmbeddings && s.ropeTheta === 1e6 && s.arch === "qwen3",
  );
});

Deno.test("forwardFlops() counts 2 x matmul weights x tokens plus the attention square, and the tied head once", () => {
  const base = {
    arch: "qwen3",
    hiddenSize: 8,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    numKeyValueHeads: 1,
    headDim: 4,
    intermediateSize: 16,
    vocabSize: 32,
  } as const;
  // q 8x8, k 4x8, v 4x8, o 8x8, gate/up/down 16x8 each: 576 weights; 3 rows of 5 tokens.
  // Attention per row: 4 x 1 layer x 2 heads x 4 dims x 5^2 = 800.
  const tied = defineModelConfig({ ...base, tieWordEmbeddings: true });
  assert.equal(forwardFlops(tied, 3, 5), 2 * (576 + 32 * 8) * 15 + 800 * 3);
  const untied = defineModelConfig({ ...base, tieWordEmbeddings: false });
  assert.equal(forwardFlops(untied, 3, 5), 2 * (576 + 32 * 8) * 15 + 800 * 3);
  // The value model has no LM head: its score head is one output row.
  const value = valueModelConfig(tied);
  assert.equal(forwardFlops(value, 3, 5), 2 * (576 + 8) * 15 + 800 * 3);
});

Deno.test("benchConfig('0.6B') has Qwen3-0.6B's shape and its 596,049,920 parameters", () => {
  const c = benchConfig("0.6B");
  assert.equal(c.qkNorm, true);
  assert.equal(c.tieWordEmbeddings, true);
  // Per layer: q 1024x2048, k and v 1024x1024, o 2048x1024, MLP 3 x 1024x3072, four norms
  // (1024, 1024, 128, 128) = 15,730,944; x 28, plus the embedding 151936x1024 and the final norm.
  const n = parameterSpecs(c).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(n, 28 * 15_730_944 + 151_936 * 1024 + 1024);
  assert.equal(n, 596_049_920);
});
