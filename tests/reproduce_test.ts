import assert from "node:assert/strict";
import { join } from "node:path";
import { readRecords } from "../lib/eval/records.ts";
import { evaluateBase, reproduceSuites } from "../tasks/_reproduce_eval.ts";
import { DATA_DIR, HAVE_DATA } from "./eval/_run_fixtures.ts";

Deno.test({
  name:
    "evaluateBase() makes the random toy models, evaluates every real suite, prints the transfer table and reuses everything on a rerun",
  ignore: !HAVE_DATA,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "reproduce_test_" });
    try {
      const lines: string[] = [];
      const opts = {
        out,
        limit: 1,
        maxTokens: 4,
        dataDir: DATA_DIR,
        print: (l: string) => lines.push(l),
        progressWrite: () => {},
      };
      const { summary } = await evaluateBase(opts);
      const suites = reproduceSuites();
      assert.deepEqual(suites, [
        "gsm8k",
        "math500",
        "aime24",
        "amc23",
        "arena-hard",
        "humaneval",
        "humaneval-ts",
        "mbppplus",
      ]);
      assert.deepEqual(summary.suites.map((s) => s.suite), suites);
      for (const s of summary.suites) {
        assert.equal(s.tasks, 1, s.suite);
        assert.ok(s.value !== null && s.value >= 0 && s.value <= 1, `${s.suite}: ${s.value}`);
      }
      const text = lines.join("\n");
      assert.match(text, /"before" column/);
      assert.match(text, /suite +domain +metric +value +n/);
      for (const s of suites) assert.match(text, new RegExp(`^${s} `, "m"));
      assert.match(text, /^all domains \(mean\) +all +mean +\d+\.\d% {2}3$/m);
      assert.match(text, /chat judged by toy-qwen3-rm-tiny against gpt-4-0314/);
      assert.ok(text.includes(join(out, "eval", "summary.json")));
      for (const d of ["model", "reward-model"]) {
        assert.ok((await Deno.stat(join(out, d, "model.safetensors"))).isFile);
      }
      const records = await readRecords(join(out, "eval", "gsm8k.jsonl"));
      assert.equal(records.records.length, 1);

      // Rerun: same models, same records, nothing generated again.
      const mtime = (await Deno.stat(join(out, "model", "model.safetensors"))).mtime;
      const again = await evaluateBase({ ...opts, print: () => {} });
      assert.deepEqual(
        again.summary.suites.map((s) => [s.suite, s.value]),
        summary.suites.map((s) => [s.suite, s.value]),
      );
      assert.deepEqual((await Deno.stat(join(out, "model", "model.safetensors"))).mtime, mtime);
      assert.equal((await readRecords(join(out, "eval", "gsm8k.jsonl"))).records.length, 1);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
