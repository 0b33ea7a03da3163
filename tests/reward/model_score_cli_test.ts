import assert from "node:assert/strict";
import { join } from "node:path";
import { defineModelConfig } from "../../lib/model/config.ts";
import { RewardModel } from "../../lib/reward/reward_model.ts";
import { tinyRmConfig, withTinyRm } from "./_fixtures.ts";

const MODEL_TASK = new URL("../../tasks/model.ts", import.meta.url).pathname;
const SERVE_TASK = new URL("../../tasks/serve_reward.ts", import.meta.url).pathname;

async function run(
  file: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", file, ...args],
    stdout: "piped",
    stderr: "piped",
    env,
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const twoLabels = defineModelConfig({ ...tinyRmConfig, numLabels: 2 });

Deno.test("deno task model score reads each row at its last non-pad token: right-padded rows score as their unpadded selves", async () => {
  await withTinyRm(async (dir) => {
    const pad = 256;
    const r = await run(MODEL_TASK, [
      "score",
      "--model",
      dir,
      "--ids",
      `72,105,33;72,105,33,${pad},${pad};5,6,7,8,9;5,6,7,8,9,${pad}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { scores } = JSON.parse(r.stdout) as { scores: number[][] };
    assert.equal(scores.length, 4);
    assert.ok(scores.every((s) => s.length === 2)); // num_labels
    assert.deepEqual(scores[1], scores[0]);
    assert.deepEqual(scores[3], scores[2]);
    assert.notDeepEqual(scores[0], scores[2]);
    // Label 0 agrees with the reward model's own scoring of the unpadded rows.
    const rm = await RewardModel.load(dir);
    try {
      const want = await rm.scoreIds([[72, 105, 33], [5, 6, 7, 8, 9]]);
      assert.ok(Math.abs(scores[0][0] - want[0]) < 1e-5, `${scores[0][0]} vs ${want[0]}`);
      assert.ok(Math.abs(scores[2][0] - want[1]) < 1e-5, `${scores[2][0]} vs ${want[1]}`);
    } finally {
      await rm.release();
    }
    const out = join(dir, "scores.json");
    const w = await run(MODEL_TASK, ["score", "--model", dir, "--ids", "72,105,33", "--out", out]);
    assert.equal(w.code, 0, w.stderr);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(out)).scores, [scores[0]]);
  }, twoLabels);
});

Deno.test("deno task model score names a bad row in one line and exits 2", async () => {
  await withTinyRm(async (dir) => {
    const r = await run(MODEL_TASK, ["score", "--model", dir, "--ids", "1,2;256,256"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), "--ids: row 1 has no token other than padding");
    const big = await run(MODEL_TASK, ["score", "--model", dir, "--ids", "1,99999"]);
    assert.equal(big.code, 2);
    assert.match(big.stderr.trim(), /^--ids: row 0: 99999 is outside the vocabulary/);
  });
});

Deno.test("deno task model logits on a corrupt checkpoint prints one error line without a stack trace", async () => {
  await withTinyRm(async (dir) => {
    await Deno.writeTextFile(join(dir, "model.safetensors"), "this is not a safetensors file");
    const r = await run(MODEL_TASK, ["logits", "--model", dir, "--ids", "1,2,3"]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^error: .*model\.safetensors/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

Deno.test("deno task serve-reward refuses a non-loopback host without a token, and an unset token variable", async () => {
  const r = await run(SERVE_TASK, ["--model", "/nonexistent", "--host", "0.0.0.0"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr.trim(),
    /^--host 0\.0\.0\.0: refusing a non-loopback address without a token/,
  );
  const t = await run(SERVE_TASK, [
    "--model",
    "/nonexistent",
    "--token-env",
    "GRLO_TEST_NO_SUCH_VAR",
  ]);
  assert.equal(t.code, 2);
  assert.equal(
    t.stderr.trim(),
    "--token-env GRLO_TEST_NO_SUCH_VAR: the variable is unset or empty",
  );
});
