import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Checkpoint,
  defineModelConfig,
  initParameters,
  loadCheckpoint,
  SafetensorsFile,
  saveCheckpoint,
  writeSafetensors,
} from "../../lib/model/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

const config = defineModelConfig({
  arch: "llama",
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  intermediateSize: 24,
  vocabSize: 40,
});

function makeCheckpoint(seed: number): Checkpoint {
  const params = initParameters(config, { seed });
  // Values a lossy path would change: -0, a NaN with payload, a subnormal, a huge value.
  const w = params.get("model.norm.weight")!.data;
  new Uint32Array(w.buffer)[1] = 0x7fa00001;
  w[0] = -0;
  w[2] = 1e-42;
  w[3] = 3.4e38;
  const rng = new Rng(seed + 1);
  const moment = (sq: boolean) =>
    new Map(
      [...params].map((
        [n, t],
      ) => [n, {
        shape: [...t.shape],
        data: t.data.map(() => (sq ? rng.float() * 1e-6 : rng.normal(0, 1e-3))),
      }]),
    );
  rng.normal(); // leave a cached spare normal in the state
  return {
    config,
    params,
    optimizer: { expAvg: moment(false), expAvgSq: moment(true) },
    trainerState: { step: 17, rng: rng.getState(), state: { epoch: 2, cursor: [3, 4], lr: 1e-6 } },
  };
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function assertSameCheckpoint(a: Checkpoint, b: Checkpoint): void {
  assert.deepEqual(b.config, a.config);
  assert.deepEqual([...b.params.keys()], [...a.params.keys()]);
  for (const [n, t] of a.params) {
    assert.deepEqual(b.params.get(n)!.shape, t.shape);
    assert.deepEqual(bytes(b.params.get(n)!.data), bytes(t.data), n);
    assert.deepEqual(
      bytes(b.optimizer!.expAvg.get(n)!.data),
      bytes(a.optimizer!.expAvg.get(n)!.data),
      `${n} exp_avg`,
    );
    assert.deepEqual(
      bytes(b.optimizer!.expAvgSq.get(n)!.data),
      bytes(a.optimizer!.expAvgSq.get(n)!.data),
      `${n} exp_avg_sq`,
    );
  }
  assert.deepEqual(b.trainerState, a.trainerState);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "checkpoint_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("saveCheckpoint() then loadCheckpoint() returns bit-identical weights, moments and state", async () => {
  await withTempDir(async (dir) => {
    const ckpt = makeCheckpoint(1);
    const src = join(dir, "src");
    await Deno.mkdir(src);
    await Deno.writeTextFile(join(src, "tokenizer.json"), '{"model":{}}');
    await Deno.writeTextFile(join(src, "tokenizer_config.json"), '{"chat_template":"x"}');
    await Deno.writeTextFile(join(src, "unrelated.txt"), "no");
    const out = join(dir, "ckpt", "step-17");
    await saveCheckpoint(out, ckpt, { sourceDir: src });
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(files, [
      "config.json",
      "model.safetensors",
      "optimizer.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
      "trainer_state.json",
    ]);
    assert.equal(
      await Deno.readTextFile(join(out, "tokenizer_config.json")),
      '{"chat_template":"x"}',
    );
    const opt = await SafetensorsFile.open(join(out, "optimizer.safetensors"));
    assert.ok(opt.has("model.layers.1.mlp.down_proj.weight.exp_avg_sq"));
    await opt.close();
    const loaded = await loadCheckpoint(out);
    assertSameCheckpoint(ckpt, loaded);
    // The restored generator continues the saved stream (including the cached spare normal).
    const a = Rng.fromState(ckpt.trainerState.rng!), b = Rng.fromState(loaded.trainerState.rng!);
    assert.deepEqual([a.normal(), a.normal(), a.nextU32()], [b.normal(), b.normal(), b.nextU32()]);
  });
});

Deno.test("saveCheckpoint() shards large weights and loadCheckpoint() reads them back", async () => {
  await withTempDir(async (dir) => {
    const ckpt = makeCheckpoint(2);
    await saveCheckpoint(dir + "/c", ckpt, { maxShardBytes: 4000 });
    assert.ok(Deno.statSync(join(dir, "c", "model.safetensors.index.json")).isFile);
    assertSameCheckpoint(ckpt, await loadCheckpoint(join(dir, "c")));
  });
});

Deno.test("saveCheckpoint() that fails midway leaves the previous checkpoint intact and no temp dir", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "latest");
    const first = makeCheckpoint(3);
    await saveCheckpoint(out, first);
    const bad = join(dir, "bad-src");
    await Deno.mkdir(join(bad, "tokenizer.json"), { recursive: true }); // copying a directory fails
    await assert.rejects(() => saveCheckpoint(out, makeCheckpoint(4), { sourceDir: bad }));
    assertSameCheckpoint(first, await loadCheckpoint(out));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["bad-src", "latest"]);
    // A successful save replaces it.
    const second = makeCheckpoint(5);
    await saveCheckpoint(out, second);
    assertSameCheckpoint(second, await loadCheckpoint(out));
  });
});

Deno.test("loadCheckpoint() restores a checkpoint left aside by a save interrupted between renames", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "latest");
    const ckpt = makeCheckpoint(6);
    await saveCheckpoint(out, ckpt);
    await Deno.rename(out, `${out}.old-123-abc`);
    await Deno.mkdir(`${out}.tmp-123-abc`); // the unfinished new one
    assertSameCheckpoint(ckpt, await loadCheckpoint(out));
  });
});

Deno.test("loadCheckpoint() without an optimizer file returns optimizer null; a missing moment is named", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "c");
    const ckpt = makeCheckpoint(7);
    await saveCheckpoint(out, { ...ckpt, optimizer: null });
    assert.equal((await loadCheckpoint(out)).optimizer, null);
    await writeSafetensors(join(out, "optimizer.safetensors"), [["model.norm.weight.exp_avg", {
      shape: [16],
      data: new Float32Array(16),
    }]]);
    await assert.rejects(
      () => loadCheckpoint(out),
      /optimizer\.safetensors: missing tensor "model\.embed_tokens\.weight\.exp_avg"/,
    );
    await Deno.writeTextFile(join(out, "trainer_state.json"), '{"format":"other"}');
    await Deno.remove(join(out, "optimizer.safetensors"));
    await assert.rejects(() => loadCheckpoint(out), /trainer_state\.json: field "format"/);
  });
});

Deno.test("saveCheckpoint() rejects moments whose size differs from the parameter", async () => {
  const ckpt = makeCheckpoint(8);
  ckpt.optimizer!.expAvgSq.set("model.norm.weight", { shape: [3], data: new Float32Array(3) });
  await assert.rejects(
    () => saveCheckpoint("/nonexistent/x", ckpt),
    /optimizer exp_avg_sq for "model\.norm\.weight" is 3 values, expected 16/,
  );
});
