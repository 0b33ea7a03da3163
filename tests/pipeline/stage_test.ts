import assert from "node:assert/strict";
import { join } from "node:path";
import { runStage, stageKey } from "../../lib/pipeline/stage.ts";

Deno.test("runStage() runs a stage once per input hash and redoes it when the inputs change or it never finished", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let runs = 0;
    const work = () => Promise.resolve({ n: ++runs });
    const quiet = () => {};
    const a = await runStage(join(dir, "s"), "s", stageKey({ x: 1 }), work, quiet);
    assert.deepEqual(a.result, { n: 1 });
    const b = await runStage(join(dir, "s"), "s", stageKey({ x: 1 }), work, quiet);
    assert.deepEqual(b.result, { n: 1 }); // reused
    assert.equal(runs, 1);
    const c = await runStage(join(dir, "s"), "s", stageKey({ x: 2 }), work, quiet);
    assert.deepEqual(c.result, { n: 2 }); // inputs changed
    await assert.rejects(
      runStage(join(dir, "t"), "t", stageKey(1), () => Promise.reject(new Error("killed")), quiet),
      /killed/,
    );
    await assert.rejects(Deno.stat(join(dir, "t", "stage.json")), Deno.errors.NotFound);
    const d = await runStage(join(dir, "t"), "t", stageKey(1), work, quiet);
    assert.deepEqual(d.result, { n: 3 }); // a stage that never finished runs again
    assert.notEqual(stageKey({ a: 1 }), stageKey({ a: 2 }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
