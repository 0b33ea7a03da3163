import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_GENERATION } from "../../lib/eval/generate.ts";
import { openGenerator } from "../../lib/eval/open_generator.ts";
import { parseRecords } from "../../lib/eval/records.ts";
import { ScoreLineSchema } from "../../lib/eval/run_chat.ts";
import { runEval } from "../../lib/eval/run.ts";
import { RewardModel } from "../../lib/reward/reward_model.ts";
import { DATA_DIR, HAVE_DATA, quietIo, tinyModels } from "./_run_fixtures.ts";

Deno.test({
  name:
    "runEval() over a tiny model with --limit 2 and n 2 writes one record per sample and a summary with per-suite counts",
  ignore: !HAVE_DATA,
  async fn() {
    const { root, model, rm: rmDir } = await tinyModels();
    const src = await openGenerator({ model, modelName: "tiny" });
    const rm = await RewardModel.load(rmDir, { name: "tiny-rm", maxLength: 512 });
    const io = quietIo();
    const out = join(root, "eval");
    const settings = { ...DEFAULT_GENERATION, n: 2, temperature: 1, maxTokens: 8, seed: 3 };
    try {
      const summary = await runEval({
        out,
        suites: ["humaneval", "gsm8k", "arena-hard"],
        generator: src.generator,
        model: src.identity,
        tokenizer: src.tokenizer,
        settings,
        limit: 2,
        dataDir: DATA_DIR,
        rewardModel: rm,
        ...io,
      });
      // Records: 2 tasks x 2 samples per suite, keyed by the suite's own ids.
      const gsm = parseRecords(await Deno.readTextFile(join(out, "gsm8k.jsonl")), "gsm8k.jsonl");
      assert.deepEqual(
        gsm.records.map((r) => `${r.id}#${r.sample}`).sort(),
        ["test/0#0", "test/0#1", "test/1#0", "test/1#1"],
      );
      for (const r of gsm.records) {
        assert.ok(r.prompt.startsWith("Question: "), "gsm8k runs completion-style by default");
        assert.equal(typeof r.correct, "boolean");
        assert.ok(r.tokens >= 1 && r.tokens <= 8);
        assert.ok(r.finish_reason === "stop" || r.finish_reason === "length");
        assert.ok(r.time_s >= 0);
      }
      const he = parseRecords(await Deno.readTextFile(join(out, "humaneval.jsonl")), "he.jsonl");
      assert.equal(he.records.length, 4);
      for (const r of he.records) assert.equal(r.sandboxed, summary.sandbox.available);
      const chat = parseRecords(await Deno.readTextFile(join(out, "arena-hard.jsonl")), "ah.jsonl");
      assert.ok(
        chat.records.every((r) => r.correct === null && r.prompt.includes("<|im_start|>user")),
      );
      const scores = parseRecords(
        await Deno.readTextFile(join(out, "arena-hard.rm.jsonl")),
        "rm.jsonl",
        ScoreLineSchema,
      ).records;
      assert.equal(scores.filter((s) => s.side === "ours").length, 4);
      assert.equal(scores.filter((s) => s.side === "baseline").length, 2);
      assert.ok(scores.every((s) => s.rm === "tiny-rm" && Number.isFinite(s.score)));

      // Summary: registry order (math, chat, code), counts, metrics, settings.
      const onDisk = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
      assert.deepEqual(onDisk, JSON.parse(JSON.stringify(summary)));
      assert.deepEqual(summary.suites.map((s) => s.suite), ["gsm8k", "arena-hard", "humaneval"]);
      assert.deepEqual(summary.generation, settings);
      assert.deepEqual(summary.model, { name: "tiny", path: model, endpoint: null });
      for (const s of summary.suites) {
        assert.equal(s.tasks, 2);
        assert.equal(s.samples, 4);
        assert.equal(s.min_samples_per_task, 2);
        assert.equal(s.finish_reasons.stop + s.finish_reasons.length, 4);
        assert.match(s.grader.sha256 ?? "", /^[0-9a-f]{64}$/);
      }
      const [g, a, h] = summary.suites;
      assert.equal(g.metric, "accuracy");
      assert.equal(g.accuracy, g.correct! / 4);
      assert.equal(h.metric, "pass@1");
      assert.deepEqual(Object.keys(h.pass_at_k), ["pass@1"]); // n = 2 < 10
      assert.equal(h.value, h.pass_at_k["pass@1"]);
      assert.equal(a.metric, "win_rate");
      assert.equal(a.chat!.reward_model, "tiny-rm");
      assert.equal(a.chat!.baseline, "gpt-4-0314");
      assert.equal(a.chat!.report.n, 4);
      assert.equal(a.value, a.chat!.report.winRate.value);
      assert.ok(a.value! > 0 && a.value! < 1);
      const ci = a.chat!.report.winRate;
      assert.ok(ci.lower <= ci.value && ci.value <= ci.upper);
      assert.ok(Number.isFinite(a.chat!.report.lengthControlled.value));
    } finally {
      await src.generator.close();
      await rm.release();
      await Deno.remove(root, { recursive: true });
    }
  },
});
