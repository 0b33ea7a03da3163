import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildTrainArtifacts,
  encodeModel,
  grad,
  Graph,
  type HostTensor,
  Session,
  TrainRunner,
} from "../../lib/graph/mod.ts";
import { defineModelConfig } from "../../lib/model/config.ts";
import { causalLmLoss, lmTrainSpec } from "../../lib/model/lm_loss.ts";
import { SafetensorsFile } from "../../lib/model/safetensors.ts";
import { initParameters } from "../../lib/model/tiny.ts";
import { declareWeights } from "../../lib/model/weights.ts";
import { padBatch } from "../../lib/model/batch.ts";
import {
  type Fixture,
  FIXTURE_MODELS,
  int64Feed,
  loadFixture,
  paramFeeds64,
  runOnce,
} from "./_graph_fixtures.ts";

/** The fixture's loss batch: both rows, targets = next id, the last position unmasked. */
function lossFeeds(f: Fixture, dtype: "float32" | "float64"): Record<string, HostTensor> {
  const ids = f.expected.ids, T = ids[0].length;
  const targets = ids.map((row) => row.map((_, t) => (t + 1 < T ? row[t + 1] : 0)));
  const mask = ids.flatMap((row) => row.map((_, t) => (t + 1 < T ? 1 : 0)));
  const b = padBatch(ids);
  return {
    ...b.feeds,
    targets: int64Feed(targets),
    loss_mask: {
      dtype,
      shape: [ids.length, T],
      data: dtype === "float64" ? Float64Array.from(mask) : Float32Array.from(mask),
    },
  };
}

/** A float64 graph: loss and the gradient of every parameter. */
function lossAndGradGraph(f: Fixture): Graph {
  const g = new Graph("fixture_loss");
  const w = declareWeights(g, f.config, "inputs", "float64");
  const { loss } = causalLmLoss(g, f.config, w);
  const names = [...w.keys()];
  const grads = grad(loss, names.map((n) => w.get(n)!));
  g.output(loss, "loss");
  grads.forEach((gr, i) => g.output(gr, `grad.${names[i]}`));
  return g;
}

for (const name of FIXTURE_MODELS) {
  Deno.test(`causalLmLoss() gradients of ${name} in float64 match the fixture's grads.safetensors for every parameter`, async () => {
    const f = await loadFixture(name);
    const out = await runOnce(lossAndGradGraph(f), {
      ...paramFeeds64(f.params),
      ...lossFeeds(f, "float64"),
    }, { float64: true });
    assert.ok(
      Math.abs(Number(out.loss.data[0]) - f.expected.loss) < 1e-10 * f.expected.loss,
      `loss ${out.loss.data[0]} vs ${f.expected.loss}`,
    );
    const ref = await SafetensorsFile.open(join(f.dir, "grads.safetensors"));
    try {
      assert.deepStrictEqual(new Set(ref.names()), new Set(f.params.keys()));
      for (const p of f.params.keys()) {
        const want = await ref.readF64(p), got = out[`grad.${p}`].data as Float64Array;
        assert.strictEqual(got.length, want.length, p);
        let scale = 0, err = 0;
        for (let i = 0; i < want.length; i++) {
          scale = Math.max(scale, Math.abs(want[i]));
          err = Math.max(err, Math.abs(got[i] - want[i]));
        }
        assert.ok(scale > 0, `${p}: fixture gradient is all zero`);
        assert.ok(err <= 1e-9 * scale, `${name} ${p}: max error ${err} vs max |grad| ${scale}`);
      }
    } finally {
      await ref.close();
    }
  });
}

Deno.test("causalLmLoss() gradients in float32 (FusedMatMul products) match the fixture to 1e-4 of each tensor's max", async () => {
  const f = await loadFixture("qwen3-gqa-untied");
  const g = new Graph("fixture_loss_f32");
  const w = declareWeights(g, f.config, f.params, "float32");
  const { loss } = causalLmLoss(g, f.config, w);
  const names = [...w.keys()];
  grad(loss, names.map((n) => w.get(n)!)).forEach((gr, i) => g.output(gr, `grad.${names[i]}`));
  const out = await runOnce(g, lossFeeds(f, "float32"));
  const ref = await SafetensorsFile.open(join(f.dir, "grads.safetensors"));
  try {
    for (const p of names) {
      const want = await ref.readF64(p), got = out[`grad.${p}`].data as Float32Array;
      const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const err = want.reduce((m, x, i) => Math.max(m, Math.abs(got[i] - x)), 0);
      assert.ok(err <= 1e-4 * scale, `${p}: max error ${err} vs max |grad| ${scale}`);
    }
  } finally {
    await ref.close();
  }
});

Deno.test("causalLmLoss() gradients agree with central finite differences on sampled entries (qwen3-gqa-untied)", async () => {
  const f = await loadFixture("qwen3-gqa-untied");
  const feeds = { ...paramFeeds64(f.params), ...lossFeeds(f, "float64") };
  const base = await runOnce(lossAndGradGraph(f), feeds, { float64: true });
  const lossOnly = new Graph("fixture_loss_only");
  lossOnly.output(
    causalLmLoss(lossOnly, f.config, declareWeights(lossOnly, f.config, "inputs", "float64")).loss,
    "loss",
  );
  const s = await Session.create(encodeModel(lossOnly), {
    ep: "cpu",
    threads: 2,
    optimization: "basic",
  });
  const picks: [string, number][] = [
    ["model.embed_tokens.weight", 108 * 40 + 3],
    ["model.layers.0.self_attn.q_norm.weight", 5],
    ["model.layers.1.self_attn.k_proj.weight", 77],
    ["model.layers.0.mlp.down_proj.weight", 1234],
    ["model.norm.weight", 17],
    ["lm_head.weight", 52 * 40 + 9],
  ];
  try {
    const h = 1e-5;
    for (const [p, i] of picks) {
      const data = feeds[p].data as Float64Array, keep = data[i];
      data[i] = keep + h;
      const up = Number((await s.run(feeds)).loss.data[0]);
      data[i] = keep - h;
      const down = Number((await s.run(feeds)).loss.data[0]);
      data[i] = keep;
      const numeric = (up - down) / (2 * h), analytic = Number(base[`grad.${p}`].data[i]);
      assert.ok(Math.abs(analytic) > 1e-6, `${p}[${i}] has a negligible gradient ${analytic}`);
      assert.ok(
        Math.abs(numeric - analytic) < 1e-6 * Math.max(1, Math.abs(analytic)),
        `${p}[${i}]: numeric ${numeric} vs analytic ${analytic}`,
      );
    }
  } finally {
    await s.release();
  }
});

Deno.test("lmTrainSpec() with frozen embeddings trains the rest and leaves model.embed_tokens.weight bit-identical", async () => {
  const config = defineModelConfig({
    arch: "qwen3",
    hiddenSize: 32,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 8,
    intermediateSize: 48,
    vocabSize: 40,
  });
  const spec = lmTrainSpec(config, {
    freeze: ["model.embed_tokens.weight"],
    optimizer: { weightDecay: 0 },
  });
  assert.deepStrictEqual(spec.params.filter((p) => !p.trainable).map((p) => p.name), [
    "model.embed_tokens.weight",
  ]);
  assert.throws(
    () => lmTrainSpec(config, { freeze: ["model.embed.weight"] }),
    /unknown parameter\(s\) model\.embed\.weight/,
  );
  const artifacts = await buildTrainArtifacts(spec);
  const init = initParameters(config, { seed: 3, std: 0.1 });
  const runner = TrainRunner.create(artifacts, new Map([...init].map(([k, t]) => [k, t.data])), {
    ep: "cpu",
    threads: 2,
  });
  const rows = [[1, 5, 9, 13, 17, 21, 25, 29], [2, 6, 10, 14, 18, 22, 26, 30]];
  const T = rows[0].length;
  const feeds: Record<string, HostTensor> = {
    ...padBatch(rows).feeds,
    targets: int64Feed(rows.map((r) => r.map((_, t) => r[(t + 1) % T]))),
    loss_mask: {
      dtype: "float32",
      shape: [2, T],
      data: Float32Array.from(rows.flatMap((r) => r.map((_, t) => (t + 1 < T ? 1 : 0)))),
    },
  };
  const losses: number[] = [];
  for (let i = 0; i < 8; i++) losses.push((await runner.step(feeds, 1e-2)).loss);
  await runner.release();
  assert.ok(Math.abs(losses[0] - Math.log(40)) < 0.3, `first loss ${losses[0]} is not near ln(40)`);
  assert.ok(losses[7] < losses[0] - 0.5, `loss did not fall: ${losses}`);
  const params = runner.state.params;
  assert.deepStrictEqual(
    params.get("model.embed_tokens.weight"),
    init.get("model.embed_tokens.weight")!.data,
  );
  for (
    const name of [
      "lm_head.weight",
      "model.layers.1.mlp.up_proj.weight",
      "model.layers.0.self_attn.q_norm.weight",
    ]
  ) {
    const a = params.get(name) as Float32Array, b = init.get(name)!.data;
    assert.ok(a.some((x, i) => x !== b[i]), `${name} was not updated`);
  }
  assert.ok(
    !runner.state.m.has("model.embed_tokens.weight"),
    "frozen parameters carry no optimizer state",
  );
});
