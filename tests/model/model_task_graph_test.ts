import assert from "node:assert/strict";
import { join } from "node:path";
import { CausalLmRunner, padBatch } from "../../lib/model/mod.ts";

const TASK = new URL("../../tasks/model.ts", import.meta.url).pathname;

async function task(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TASK, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("deno task model init, info and logits make, describe and run a tiny model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cfg = join(dir, "tiny.json");
    await Deno.writeTextFile(
      cfg,
      JSON.stringify({
        hidden_size: 32,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        intermediate_size: 48,
        vocab_size: 300,
        tie_word_embeddings: true,
      }),
    );
    const model = join(dir, "m");
    const init = await task(
      "init",
      "--arch",
      "llama",
      "--config",
      cfg,
      "--seed",
      "3",
      "--out",
      model,
    );
    assert.strictEqual(init.code, 0, init.stderr);
    assert.match(
      init.stdout,
      /LlamaForCausalLM, 17,376 parameters \(F32\), byte-level tokenizer/,
    );
    for (
      const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    ) {
      await Deno.stat(join(model, f));
    }
    const config = JSON.parse(await Deno.readTextFile(join(model, "config.json")));
    assert.deepStrictEqual([config.eos_token_id, config.pad_token_id], [258, 256]);

    const info = await task("info", "--model", model, "--json");
    assert.strictEqual(info.code, 0, info.stderr);
    const summary = JSON.parse(info.stdout);
    assert.strictEqual(
      summary.parameters,
      300 * 32 + 32 * 32 + 2 * 16 * 32 + 32 * 32 + 3 * 32 * 48 + 2 * 32 + 32,
    );
    assert.deepStrictEqual(summary.tensors[0], {
      name: "model.embed_tokens.weight",
      shape: [300, 32],
      dtype: "F32",
      count: 9600,
    });

    const outFile = join(dir, "logits.json");
    const run = await task("logits", "--model", model, "--ids", "5,6,7,8", "--out", outFile);
    assert.strictEqual(run.code, 0, run.stderr);
    const res = JSON.parse(await Deno.readTextFile(outFile));
    const runner = await CausalLmRunner.load(model, { threads: 1 });
    const want = (await runner.logits(padBatch([[5, 6, 7, 8]]))).data as Float32Array;
    await runner.release();
    assert.deepStrictEqual(res.ids, [5, 6, 7, 8]);
    assert.strictEqual(res.logits.length, 4);
    assert.deepStrictEqual(Float32Array.from(res.logits.flat()), want);
    const row = res.logits[0] as number[];
    const lse = Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
    assert.ok(Math.abs(res.token_logprobs[0] - (row[6] - lse)) < 1e-5);
    assert.strictEqual(res.token_logprobs.length, 3);

    const bad = await task("init", "--arch", "gpt2", "--config", cfg, "--out", join(dir, "x"));
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, /--arch: expected qwen3 or llama/);
    const unknown = await task("logits", "--model", model, "--idz", "1");
    assert.match(unknown.stderr, /unknown option --idz\. Did you mean --ids\?/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
