import assert from "node:assert/strict";
import { join } from "node:path";
import { loadModel } from "../../lib/model/checkpoint.ts";
import { pretrain } from "../../lib/train/pretrain.ts";
import { repetitiveCorpus, tinyConfig } from "./_tiny.ts";

const quiet = () => {};
const common = { model: tinyConfig(), seq: 32, batch: 4, lr: 1e-2, threads: 1, log: quiet };

async function metrics(dir: string): Promise<Record<string, number>[]> {
  return (await Deno.readTextFile(join(dir, "metrics.jsonl"))).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
}

Deno.test("pretrain() on a repetitive corpus lowers the held-out loss from above 5 to below 2.5 nats and writes a loadable model", async () => {
  const dir = await Deno.makeTempDir();
  const corpus = join(dir, "corpus.txt");
  await Deno.writeTextFile(corpus, repetitiveCorpus(200));
  const out = join(dir, "run");
  const r = await pretrain({ ...common, corpus, out, steps: 60, evalEvery: 20, saveEvery: 30 });
  const rows = await metrics(out);
  const val = rows.filter((m) => "val/loss" in m).map((m) => m["val/loss"]);
  console.log(`held-out loss by eval: ${val.map((x) => x.toFixed(3)).join(" -> ")}`);
  assert.equal(val.length, 4); // steps 0, 20, 40, 60
  assert.ok(val[0] > 5, `initial held-out loss ${val[0]}`);
  assert.ok(r.final!["val/loss"] < 2.5, `final held-out loss ${r.final!["val/loss"]}`);
  assert.deepEqual(
    Object.keys(rows[1]).filter((k) => ["train/loss", "lr", "tokens"].includes(k)),
    ["train/loss", "lr", "tokens"],
  );
  assert.equal((await Deno.readTextFile(join(out, "checkpoints", "latest"))).trim(), "step-60");
  const m = await loadModel(join(out, "model"));
  assert.equal(m.config.architecture, "Qwen3ForCausalLM");
  for (const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]) {
    assert.ok((await Deno.stat(join(out, "model", f))).isFile, f);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("pretrain() stopped after 7 of 16 steps and rerun ends with the same weights as an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  const corpus = join(dir, "corpus.txt");
  await Deno.writeTextFile(corpus, repetitiveCorpus(60));
  const opts = { ...common, corpus, steps: 16, evalEvery: 5, saveEvery: 5 };
  await pretrain({ ...opts, out: join(dir, "whole") });
  const first = await pretrain({ ...opts, out: join(dir, "split"), maxSteps: 7 });
  assert.equal(first.step, 7);
  assert.equal(first.modelDir, null);
  const second = await pretrain({ ...opts, out: join(dir, "split") });
  assert.equal(second.resumedFrom, 7);
  const a = await Deno.readFile(join(dir, "whole", "model", "model.safetensors"));
  const b = await Deno.readFile(join(dir, "split", "model", "model.safetensors"));
  assert.deepEqual(a, b);
  const steps = (await metrics(join(dir, "split"))).map((m) => m["training/global_step"]);
  assert.deepEqual(steps, Array.from({ length: 17 }, (_, i) => i));
  await Deno.remove(dir, { recursive: true });
});
