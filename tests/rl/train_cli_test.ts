/**
 * `deno task train` as users run it, in subprocesses: a SIGKILL at a random moment and a
 * rerun give byte-identical final weights; bad configs are refused naming the key before any
 * work; the GRLO release's train.sh overrides give a plan with `--dry-run`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { createTinyModel } from "../../lib/model/tiny.ts";
import { smokeModelConfig } from "../../lib/rl/models.ts";
import { valueModelConfig } from "../../lib/model/value_model.ts";
import { writeByteLevelTokenizer } from "../../lib/tokenizer/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

const TRAIN = new URL("../../tasks/train.ts", import.meta.url).pathname;

function trainCommand(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--no-check", TRAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

async function run(args: string[]) {
  const out = await trainCommand(args).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const RUN_ARGS = [
  "--preset",
  "smoke",
  "trainer.total_training_steps=8",
  "trainer.save_freq=2",
  "trainer.test_freq=-1",
  "kit.threads=2",
];

async function finalBytes(dir: string): Promise<Uint8Array[]> {
  const ck = join(dir, "checkpoints/step-8");
  const files = [
    "policy/model.safetensors",
    "policy/optimizer.safetensors",
    "critic/model.safetensors",
    "critic/optimizer.safetensors",
  ];
  return await Promise.all(files.map((f) => Deno.readFile(join(ck, f))));
}

async function lineCount(file: string): Promise<number> {
  try {
    return (await Deno.readTextFile(file)).split("\n").filter((l) => l.trim()).length;
  } catch {
    return 0;
  }
}

Deno.test("a SIGKILL at a random step and a rerun give byte-identical final weights and moments", async () => {
  const root = await Deno.makeTempDir({ prefix: "grlo-kill-" });
  try {
    const a = join(root, "uninterrupted"), b = join(root, "killed");
    const ra = await run([...RUN_ARGS, "--out", a]);
    assert.equal(ra.code, 0, ra.stderr);
    // Kill after a seeded-random number of logged steps (1..6), i.e. mid-way through a later step.
    const killAfter = 1 + new Rng(Date.now() % 1000).int(6);
    const child = trainCommand([...RUN_ARGS, "--out", b]).spawn();
    while (await lineCount(join(b, "metrics.jsonl")) < killAfter + 1) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    await child.stdout.cancel();
    await child.stderr.cancel();
    assert.equal(status.signal, "SIGKILL", `killed after ${killAfter} steps`);
    const rb = await run([...RUN_ARGS, "--out", b]);
    assert.equal(rb.code, 0, rb.stderr);
    const [wa, wb] = [await finalBytes(a), await finalBytes(b)];
    wa.forEach((bytes, i) =>
      assert.deepEqual(wb[i], bytes, `file ${i} after a kill at step ${killAfter + 1}`)
    );
    const steps = (await Deno.readTextFile(join(b, "metrics.jsonl"))).trim().split("\n")
      .map((l) => JSON.parse(l)["training/global_step"]);
    assert.deepEqual(steps, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

for (
  const [what, args, key] of [
    ["an unknown key", ["data.train_batch_sise=8"], "data.train_batch_sise"],
    ["a wrong type", ["data.train_batch_size=many"], "data.train_batch_size"],
    [
      "an impossible batch split",
      ["actor_rollout_ref.actor.ppo_mini_batch_size=3"],
      "ppo_mini_batch_size",
    ],
    [
      "a missing model directory",
      ["actor_rollout_ref.model.path=./no/such/model"],
      "actor_rollout_ref.model.path",
    ],
    ["a missing data file", ["data.train_files=./no/such.jsonl"], "data.train_files"],
  ] as const
) {
  Deno.test(`deno task train refuses ${what} naming the key, before any work (exit 2)`, async () => {
    const out = join(await Deno.makeTempDir(), "run");
    const r = await run(["--preset", "smoke", ...args, "--out", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(key.replaceAll(".", "\\.")));
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  });
}

/** The GRLO train.sh overrides as a shell splits them, with local tiny models for the paths. */
async function grloOverrides(dir: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL("./fixtures/grlo_train.sh", import.meta.url));
  const policy = join(dir, "policy"), rm = join(dir, "rm"), data = join(dir, "train.jsonl");
  await createTinyModel(policy, smokeModelConfig(), { seed: 1 });
  await writeByteLevelTokenizer(policy);
  await createTinyModel(rm, valueModelConfig(smokeModelConfig()), { seed: 2 });
  await writeByteLevelTokenizer(rm);
  const rows = Array.from({ length: 2048 }, (_, i) =>
    JSON.stringify({
      data_source: "toy",
      prompt: [{ role: "user", content: `Describe thing ${i}.` }],
      ability: "general",
      reward_model: { style: "model", ground_truth: "" },
      extra_info: { index: i },
    }));
  await Deno.writeTextFile(data, rows.join("\n") + "\n");
  const body = text.replace(/^#.*$/gm, "").replace(/\\\n/g, " ").replace(/\$@/g, "");
  const words = body.replace(/"\$train_files"|"\$val_files"/g, data)
    .replace(/=\s+<model>/g, `=${policy}`)
    .replace(/"Skywork\/Skywork-Reward-V2-Llama-3.1-8B"/, rm)
    .split(/\s+/).filter((w) => w.includes("="));
  return words.map((w) => w.replace(/='([^']*)'$/, "=$1"));
}

Deno.test("--preset grlo-paper --dry-run with every override of GRLO's train.sh prints the plan", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grlo-paper-" });
  try {
    const overrides = await grloOverrides(dir);
    assert.ok(overrides.length >= 45, `${overrides.length} overrides`);
    const r = await run([
      "--preset",
      "grlo-paper",
      ...overrides,
      "--dry-run",
      "--out",
      join(dir, "out"),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1024 prompts x 1 samples|1024 prompts/);
    assert.match(r.stdout, /no meaning on this engine/);
    assert.match(r.stdout, /actor_rollout_ref\.rollout\.name = "vllm"/);
    assert.match(r.stdout, /memory estimate/);
    await assert.rejects(Deno.stat(join(dir, "out")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
