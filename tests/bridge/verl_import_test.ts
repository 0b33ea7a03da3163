import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { importVerl, parseVerlConsoleLog, parseVerlFileLog } from "../../lib/bridge/verl_import.ts";
import { loadModel } from "../../lib/model/checkpoint.ts";
import { createTinyModel } from "../../lib/model/tiny.ts";
import type { ModelConfig } from "../../lib/model/config.ts";
import { benchConfig } from "../../lib/model/tiny.ts";
import { RunDir } from "../../lib/rl/run_dir.ts";

const CONSOLE = fileURLToPath(new URL("../fixtures/verl/console.log", import.meta.url));

const TINY: ModelConfig = {
  ...benchConfig("S"),
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
  headDim: 16,
  vocabSize: 64,
};

Deno.test("parseVerlConsoleLog reads 3 steps of verl's console format with numpy reprs and nan", async () => {
  const rows = parseVerlConsoleLog(await Deno.readTextFile(CONSOLE));
  assert.deepEqual(rows.map((r) => r["training/global_step"]), [1, 2, 3]);
  assert.equal(rows[0]["actor/pg_loss"], -0.0123);
  assert.equal(rows[1]["critic/score/mean"], 0.5);
  assert.equal(rows[1]["val-core/lighteval/MATH/reward/mean@1"], 0.75);
  assert.equal(rows[0]["reward/no_stop/mean"], 0.125);
  assert.ok(Number.isNaN(rows[2]["actor/entropy"]));
});

Deno.test("parseVerlFileLog names file:line for a line that is not {step, data}", () => {
  assert.deepEqual(parseVerlFileLog('{"step": 4, "data": {"a/b": 1.5, "s": "x"}}\n', "m.jsonl"), [
    { "a/b": 1.5, "training/global_step": 4 },
  ]);
  assert.throws(() => parseVerlFileLog('{"step": 1}\n', "m.jsonl"), /m\.jsonl:1: expected verl's/);
});

Deno.test("import-verl of a verl run with a merged HF checkpoint gives a kit run dir with metrics and a loadable policy", async () => {
  const run = await Deno.makeTempDir();
  await Deno.mkdir(join(run, "logs"));
  await Deno.copyFile(CONSOLE, join(run, "logs", "train.log"));
  const ckpt = join(run, "checkpoints", "p", "e", "global_step_2", "actor");
  await Deno.mkdir(join(ckpt, "huggingface"), { recursive: true });
  const params = await createTinyModel(join(ckpt, "huggingface_merged"), TINY, { seed: 4 });
  await Deno.writeTextFile(join(run, "kit_config.json"), JSON.stringify({ data: {} }));
  const out = join(run, "kit");
  const r = await importVerl(run, out);
  assert.deepEqual(r, { steps: 3, checkpoints: [2], config: true, logs: ["logs/train.log"] });
  const dir = new RunDir(out);
  assert.equal(await dir.latestCheckpoint(), 2);
  const lines = (await Deno.readTextFile(dir.metricsFile)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(lines.map((l) => l["training/global_step"]), [1, 2, 3]);
  const loaded = await loadModel(join(dir.checkpointDir(2), "policy"));
  assert.equal(loaded.config.hiddenSize, 32);
  const name = "model.embed_tokens.weight";
  assert.deepEqual(loaded.params.get(name)!.data, params.get(name)!.data);
  assert.ok(JSON.parse(await Deno.readTextFile(dir.configFile)).config_hash);
  await Deno.remove(run, { recursive: true });
});

Deno.test("import-verl refuses FSDP shards with the model merger command", async () => {
  const run = await Deno.makeTempDir();
  const actor = join(run, "global_step_7", "actor");
  await Deno.mkdir(join(actor, "huggingface"), { recursive: true });
  await Deno.writeTextFile(join(actor, "huggingface", "config.json"), "{}");
  await Deno.writeTextFile(join(actor, "model_world_size_4_rank_0.pt"), "");
  await assert.rejects(
    () => importVerl(run, join(run, "kit")),
    new RegExp(
      `FSDP shards \\(model_world_size_4_rank_0\\.pt\\); merge it.*\\n\\s+python3 -m verl\\.model_merger merge --backend fsdp --local_dir ${actor}`,
    ),
  );
  await Deno.remove(run, { recursive: true });
});

Deno.test("import-verl refuses a directory that is not a verl run, saying what it looked for", async () => {
  const run = await Deno.makeTempDir();
  await Deno.writeTextFile(join(run, "notes.md"), "hello");
  await assert.rejects(() => importVerl(run, join(run, "kit")), /not a verl run: no console log/);
  await Deno.remove(run, { recursive: true });
});
