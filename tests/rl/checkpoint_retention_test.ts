/**
 * Checkpoint retention, as verl's `trainer.max_actor_ckpt_to_keep` and
 * `trainer.max_critic_ckpt_to_keep`: smoke runs keep the newest N step directories and resume
 * from `latest`, null keeps every checkpoint, and the pruning itself (on hand-made run
 * directories) drops parts oldest first, never touches `latest`, and finishes a prune a kill
 * interrupted.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveConfig } from "../../lib/rl/config.ts";
import { RunDir } from "../../lib/rl/run_dir.ts";
import { pruneRunCheckpoints } from "../../lib/rl/state.ts";
import { train } from "../../lib/rl/train.ts";

const quiet = () => {};

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "grlo-retention-" });
}

/** The entries of one directory, sorted. */
async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

/** The entries of `OUT/checkpoints`, sorted (`latest` included). */
const checkpointEntries = (out: string) => entries(join(out, "checkpoints"));

async function latest(out: string): Promise<string> {
  return (await Deno.readTextFile(join(out, "checkpoints/latest"))).trim();
}

async function metricSteps(out: string): Promise<number[]> {
  const text = await Deno.readTextFile(join(out, "metrics.jsonl"));
  return text.trim().split("\n").map((l) => JSON.parse(l)["training/global_step"]);
}

Deno.test("max_actor_ckpt_to_keep=2 on a smoke run leaves the two newest step directories and resumes from latest", async () => {
  const out = await tempDir();
  try {
    const cfg = resolveConfig({
      preset: "smoke",
      overrides: [
        "trainer.total_training_steps=4",
        "trainer.save_freq=1",
        "trainer.test_freq=-1",
        "kit.threads=2",
        "algorithm.adv_estimator=grpo",
        "critic.enable=false",
        "trainer.max_actor_ckpt_to_keep=2",
      ],
    });
    assert.equal(cfg.trainer.max_actor_ckpt_to_keep, 2);
    assert.equal(cfg.trainer.max_critic_ckpt_to_keep, null);
    const first = await train(cfg, { out, log: quiet, maxSteps: 3 });
    assert.equal(first.step, 3);
    assert.deepEqual(await checkpointEntries(out), ["latest", "step-2", "step-3"]);
    assert.equal(await latest(out), "step-3");
    assert.deepEqual(await entries(join(out, "checkpoints/step-2")), [
      "policy",
      "trainer_state.json",
    ]);

    const again = await train(cfg, { out, log: quiet });
    assert.equal(again.resumedFrom, 3);
    assert.equal(again.step, 4);
    assert.deepEqual(await checkpointEntries(out), ["latest", "step-3", "step-4"]);
    assert.equal(await latest(out), "step-4");
    assert.deepEqual(await metricSteps(out), [0, 1, 2, 3, 4]);
    const state = JSON.parse(
      await Deno.readTextFile(join(out, "checkpoints/step-4/trainer_state.json")),
    );
    assert.equal(state.globalStep, 4);
    for (const f of ["model.safetensors", "optimizer.safetensors", "config.json"]) {
      await Deno.stat(join(out, "checkpoints/step-3/policy", f));
      await Deno.stat(join(out, "checkpoints/step-4/policy", f));
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("null retention (verl's default) keeps every checkpoint of a smoke run", async () => {
  const out = await tempDir();
  try {
    const cfg = resolveConfig({
      preset: "smoke",
      overrides: [
        "trainer.total_training_steps=3",
        "trainer.save_freq=1",
        "trainer.test_freq=-1",
        "kit.threads=2",
      ],
    });
    assert.equal(cfg.trainer.max_actor_ckpt_to_keep, null);
    assert.equal(cfg.trainer.max_critic_ckpt_to_keep, null);
    await train(cfg, { out, log: quiet });
    assert.deepEqual(await checkpointEntries(out), ["latest", "step-1", "step-2", "step-3"]);
    for (const s of [1, 2, 3]) {
      assert.deepEqual(await entries(join(out, `checkpoints/step-${s}`)), [
        "critic",
        "policy",
        "trainer_state.json",
      ]);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

/** A hand-made run directory with checkpoints `steps` (policy/ and, with `critic`, critic/). */
async function fakeRun(steps: number[], latestStep: number, critic: boolean): Promise<RunDir> {
  const run = new RunDir(await tempDir());
  await run.create();
  for (const s of steps) {
    const dir = run.checkpointDir(s);
    for (const part of critic ? ["policy", "critic"] : ["policy"]) {
      await Deno.mkdir(join(dir, part), { recursive: true });
      await Deno.writeTextFile(join(dir, part, "model.safetensors"), `${part} ${s}`);
    }
    await Deno.writeTextFile(join(dir, "trainer_state.json"), `{"globalStep":${s}}`);
  }
  await run.setLatest(latestStep);
  return run;
}

Deno.test("pruning keeps each part in its newest N holders and removes a directory left without model parts", async () => {
  const run = await fakeRun([1, 2, 3, 4], 4, true);
  try {
    const r = await pruneRunCheckpoints(run, { policy: 1, critic: 3 });
    assert.deepEqual(r, { parts: ["step-2/policy", "step-3/policy"], steps: ["step-1"] });
    assert.deepEqual(await checkpointEntries(run.root), ["latest", "step-2", "step-3", "step-4"]);
    assert.deepEqual(await entries(run.checkpointDir(2)), ["critic", "trainer_state.json"]);
    assert.deepEqual(await entries(run.checkpointDir(3)), ["critic", "trainer_state.json"]);
    assert.deepEqual(await entries(run.checkpointDir(4)), [
      "critic",
      "policy",
      "trainer_state.json",
    ]);
    // Dropping the critic too empties step-2 and step-3, which go whole.
    const r2 = await pruneRunCheckpoints(run, { policy: 1, critic: 1 });
    assert.deepEqual(r2, { parts: [], steps: ["step-2", "step-3"] });
    assert.deepEqual(await checkpointEntries(run.root), ["latest", "step-4"]);
    // Repeating removes nothing.
    assert.deepEqual(await pruneRunCheckpoints(run, { policy: 1, critic: 1 }), {
      parts: [],
      steps: [],
    });
  } finally {
    await Deno.remove(run.root, { recursive: true });
  }
});

Deno.test("pruning without a critic: only the actor count matters, and null for both removes nothing", async () => {
  const run = await fakeRun([2, 4, 6], 6, false);
  try {
    assert.deepEqual(await pruneRunCheckpoints(run, { policy: null, critic: null }), {
      parts: [],
      steps: [],
    });
    assert.deepEqual(await pruneRunCheckpoints(run, { policy: null, critic: 1 }), {
      parts: [],
      steps: [],
    });
    assert.deepEqual(await checkpointEntries(run.root), ["latest", "step-2", "step-4", "step-6"]);
    assert.deepEqual(await pruneRunCheckpoints(run, { policy: 2, critic: 1 }), {
      parts: [],
      steps: ["step-2"],
    });
    assert.deepEqual(await checkpointEntries(run.root), ["latest", "step-4", "step-6"]);
    assert.equal(
      await Deno.readTextFile(join(run.checkpointDir(4), "policy/model.safetensors")),
      "policy 4",
    );
  } finally {
    await Deno.remove(run.root, { recursive: true });
  }
});

Deno.test("pruning never touches latest nor step directories after it (an abandoned run's)", async () => {
  // A fresh run (resume_mode=disable) in a directory whose earlier run reached step-12.
  const run = await fakeRun([1, 2, 3, 8, 12], 3, true);
  try {
    const r = await pruneRunCheckpoints(run, { policy: 1, critic: 1 });
    assert.deepEqual(r, { parts: [], steps: ["step-1", "step-2"] });
    assert.deepEqual(await checkpointEntries(run.root), ["latest", "step-12", "step-3", "step-8"]);
    assert.equal(await latest(run.root), "step-3");
    assert.equal(
      await Deno.readTextFile(join(run.checkpointDir(3), "critic/model.safetensors")),
      "critic 3",
    );
  } finally {
    await Deno.remove(run.root, { recursive: true });
  }
});

Deno.test("a prune killed midway is finished by the next one, and the run stays resumable", async () => {
  const run = await fakeRun([1, 2, 3, 4], 4, true);
  try {
    // As if killed: step-1 renamed aside but not yet removed, step-2 with its policy/ gone
    // and its critic/ renamed aside.
    await Deno.rename(run.checkpointDir(1), join(run.checkpointsDir, ".pruning-step-1"));
    await Deno.remove(join(run.checkpointDir(2), "policy"), { recursive: true });
    await Deno.rename(
      join(run.checkpointDir(2), "critic"),
      join(run.checkpointsDir, ".pruning-step-2-critic"),
    );
    assert.equal(await run.latestCheckpoint(), 4);
    const r = await pruneRunCheckpoints(run, { policy: 2, critic: 2 });
    assert.deepEqual(r, { parts: [], steps: ["step-2"] });
    assert.deepEqual(await checkpointEntries(run.root), ["latest", "step-3", "step-4"]);
    assert.equal(await run.latestCheckpoint(), 4);
  } finally {
    await Deno.remove(run.root, { recursive: true });
  }
});
