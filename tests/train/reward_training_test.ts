import assert from "node:assert/strict";
import { join } from "node:path";
import { readModelConfig } from "../../lib/model/config_io.ts";
import { createTinyModel } from "../../lib/model/tiny.ts";
import { RewardModel } from "../../lib/reward/reward_model.ts";
import { writeByteLevelTokenizer } from "../../lib/tokenizer/mod.ts";
import { loadPairs } from "../../lib/train/pairs.ts";
import { trainRewardModel } from "../../lib/train/reward_training.ts";
import { tinyConfig } from "./_tiny.ts";

/** Chosen answers end cleanly ("... is N."); rejected ones are cut off and repeat a word. */
function pairLines(n: number, offset: number): string {
  const lines: string[] = [];
  for (let i = offset; i < offset + n; i++) {
    const prompt = i % 2
      ? `What is ${i} plus ${i % 5}?`
      : [{ role: "user", content: `Name ${i}.` }];
    lines.push(JSON.stringify({
      prompt,
      chosen: `The answer is ${i + (i % 5)}.`,
      rejected: `the the the ${i} the the`,
    }));
  }
  return lines.join("\n") + "\n";
}

Deno.test("trainRewardModel() learns clean endings over truncated repetition to held-out accuracy >= 0.9, and RewardModel.load scores chosen above rejected", async () => {
  const dir = await Deno.makeTempDir();
  const init = join(dir, "base");
  await createTinyModel(init, tinyConfig(), { seed: 3 });
  await writeByteLevelTokenizer(init);
  await Deno.writeTextFile(join(dir, "train.jsonl"), pairLines(64, 0));
  await Deno.writeTextFile(join(dir, "val.jsonl"), pairLines(16, 1000));
  const out = join(dir, "rm");
  const r = await trainRewardModel({
    pairs: join(dir, "train.jsonl"),
    val: join(dir, "val.jsonl"),
    init,
    out,
    steps: 40,
    lr: 3e-3,
    batch: 8,
    evalEvery: 10,
    threads: 1,
    log: () => {},
  });
  const rows = (await Deno.readTextFile(join(out, "metrics.jsonl"))).trim().split("\n")
    .map((l) => JSON.parse(l));
  const acc = rows.filter((m) => "val/accuracy" in m).map((m) => m["val/accuracy"]);
  console.log(`held-out accuracy by eval: ${acc.join(" -> ")}; final ${JSON.stringify(r.final)}`);
  assert.ok(Math.abs(rows[0]["val/loss"] - Math.LN2) < 1e-6, "a zero head starts at log 2");
  assert.ok(r.final!["val/accuracy"] >= 0.9, `held-out accuracy ${r.final!["val/accuracy"]}`);
  assert.equal(
    (await readModelConfig(join(out, "model"))).architecture,
    "Qwen3ForSequenceClassification",
  );

  const rm = await RewardModel.load(join(out, "model"), { threads: 1 });
  const val = await loadPairs(join(dir, "val.jsonl"));
  const chosen = await rm.score(val.map((p) => ({ prompt: p.prompt, response: p.chosen })));
  const rejected = await rm.score(val.map((p) => ({ prompt: p.prompt, response: p.rejected })));
  await rm.release();
  const wins = chosen.filter((c, i) => c.score > rejected[i].score).length / val.length;
  assert.equal(wins, r.final!["val/accuracy"]);
  await Deno.remove(dir, { recursive: true });
});
