/**
 * The main job as a newcomer meets it: `deno task reproduce --quick` with no data mirror, an
 * empty cache and no bubblewrap completes, writes the report, and a rerun reuses every stage.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { quickReproduce, runQuickReproduce } from "../_quick_reproduce.ts";

Deno.test("deno task reproduce --quick runs the whole pipeline offline without bubblewrap, and a rerun reuses every stage", async () => {
  {
    const first = await quickReproduce();
    const { out, cache } = first;
    assert.equal(first.code, 0, first.stderr.slice(-3000));
    const rep = JSON.parse(await Deno.readTextFile(join(out, "report.json")));
    assert.deepEqual(rep.methods.map((m: { method: string }) => m.method), [
      "base",
      "grlo",
      "rlvr",
      "grlo-rlvr",
    ]);
    for (const m of rep.methods) {
      assert.deepEqual(m.suites.map((s: { suite: string }) => s.suite).sort(), [
        "toy-chat",
        "toy-code",
        "toy-math",
      ]);
      for (const s of m.suites) {
        assert.ok(
          s.value !== null && s.value >= 0 && s.value <= 1,
          `${m.method} ${s.suite}: ${s.value}`,
        );
        assert.ok(s.n > 0);
      }
    }
    assert.ok(Number.isFinite(rep.pretrain["val/loss"]), JSON.stringify(rep.pretrain));
    assert.ok(rep.rewardModel["val/accuracy"] >= 0 && rep.rewardModel["val/accuracy"] <= 1);
    assert.deepEqual(rep.costs.map((c: { stage: string }) => c.stage), [
      "grlo",
      "rlvr",
      "grlo-rlvr",
    ]);
    assert.ok(
      rep.costs.every((c: { prompts: number; tokensGenerated: number }) =>
        c.prompts > 0 && c.tokensGenerated > 0
      ),
    );
    assert.ok(rep.ratios.data > 0 && rep.ratios.compute > 0);
    const html = await Deno.readTextFile(join(out, "report.html"));
    assert.match(html, /Transfer table/);
    assert.match(html, /<svg[^>]*aria-label="pre-training: held-out loss"/);
    assert.match(first.stdout, /grlo vs base: /);
    for (const run of ["grlo", "rlvr", "grlo-rlvr"]) {
      await Deno.stat(join(out, run, "checkpoints", "latest"));
    }
    // The code suite ran in the Deno sandbox (no bubblewrap here), and nothing was downloaded.
    const code = JSON.parse(await Deno.readTextFile(join(out, "eval", "base", "summary.json")));
    assert.ok(code.suites.some((s: { suite: string }) => s.suite === "toy-code"));
    await assert.rejects(Deno.stat(join(cache, "gsm8k")), Deno.errors.NotFound);

    const again = await runQuickReproduce(out, cache);
    assert.equal(again.code, 0, again.stderr.slice(-2000));
    const stages = [
      "world",
      "pretrain",
      "reward model",
      "evaluate base",
      "train grlo",
      "train rlvr",
      "train grlo-rlvr",
    ];
    for (const s of stages) assert.match(again.stderr, new RegExp(`\\[${s}\\] done earlier`), s);
    assert.doesNotMatch(again.stderr, /\] running ->/);
  }
});
