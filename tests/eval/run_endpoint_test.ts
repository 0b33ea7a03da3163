import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_GENERATION } from "../../lib/eval/generate.ts";
import { openGenerator } from "../../lib/eval/open_generator.ts";
import { readRecords } from "../../lib/eval/records.ts";
import { runEval } from "../../lib/eval/run.ts";
import { serveOpenAI } from "../../lib/rollout/server.ts";
import { DATA_DIR, HAVE_DATA, quietIo, tinyModels } from "./_run_fixtures.ts";

Deno.test({
  name:
    "runEval() through an OpenAI-compatible endpoint gives the same greedy records as the local sampler",
  ignore: !HAVE_DATA,
  async fn() {
    const { root, model } = await tinyModels();
    const local = await openGenerator({ model, modelName: "tiny" });
    const stop = new AbortController();
    let port = 0;
    const server = serveOpenAI(local.generator, local.tokenizer!, {
      port: 0,
      signal: stop.signal,
      onListen: (a) => port = a.port,
    });
    const settings = { ...DEFAULT_GENERATION, maxTokens: 10 };
    const run = async (out: string, src: Awaited<ReturnType<typeof openGenerator>>) =>
      await runEval({
        out,
        suites: ["math500", "gsm8k"],
        generator: src.generator,
        model: src.identity,
        tokenizer: src.tokenizer,
        settings,
        limit: 3,
        dataDir: DATA_DIR,
        ...quietIo(),
      });
    try {
      const a = await run(join(root, "local"), local);
      const remote = await openGenerator({ endpoint: `http://127.0.0.1:${port}/v1` });
      const b = await run(join(root, "remote"), remote);
      assert.deepEqual(b.model, {
        name: "tiny",
        path: null,
        endpoint: `http://127.0.0.1:${port}/v1`,
      });
      for (const suite of ["math500", "gsm8k"]) {
        const pick = (
          r: {
            id: string;
            response: string;
            tokens: number;
            finish_reason?: string;
            correct: boolean | null;
          },
        ) => [r.id, r.response, r.tokens, r.finish_reason, r.correct];
        const ra = (await readRecords(join(root, "local", `${suite}.jsonl`))).records;
        const rb = (await readRecords(join(root, "remote", `${suite}.jsonl`))).records;
        assert.equal(ra.length, 3);
        assert.deepEqual(rb.map(pick), ra.map(pick), suite);
      }
      assert.deepEqual(b.suites.map((s) => s.value), a.suites.map((s) => s.value));
    } finally {
      stop.abort();
      await server.finished;
      await local.generator.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});
