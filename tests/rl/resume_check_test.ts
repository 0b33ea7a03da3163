import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/rl/config.ts";
import { RESUME_FREE_KEYS, resumeDifferences, resumeRefusal } from "../../lib/rl/resume_check.ts";

const cfg = (...overrides: string[]) => resolveConfig({ preset: "smoke", overrides });
const plain = (c: unknown) => JSON.parse(JSON.stringify(c));

Deno.test("resumeDifferences() names the changed keys of the experiment with both values", () => {
  const diffs = resumeDifferences(
    plain(cfg()),
    cfg("actor_rollout_ref.actor.optim.lr=0.5", "algorithm.gamma=0.9"),
  ).refused;
  assert.deepEqual(diffs.map((d) => d.key), [
    "actor_rollout_ref.actor.optim.lr",
    "algorithm.gamma",
  ]);
  assert.equal(diffs[0].after, 0.5);
  assert.equal(diffs[1].before, 1);
  const msg = resumeRefusal("runs/x", diffs);
  assert.match(msg, /^runs\/x holds a run with a different config: actor_rollout_ref/);
  assert.match(msg, /algorithm\.gamma: 1 -> 0\.9/);
});

Deno.test("resumeDifferences() lets bookkeeping keys change and lists them on request", () => {
  const before = plain(cfg());
  const after = cfg("trainer.total_training_steps=40", "trainer.save_freq=5", "kit.threads=1");
  assert.deepEqual(resumeDifferences(before, after).refused, []);
  assert.deepEqual(
    resumeDifferences(before, after).bookkeeping.map((d) => d.key),
    ["kit.threads", "trainer.save_freq", "trainer.total_training_steps"],
  );
  for (const k of RESUME_FREE_KEYS) assert.match(k, /^(trainer|kit)\./);
});

Deno.test("resumeDifferences() treats a key an older run directory lacks as its default", () => {
  const before = plain(cfg());
  // As if written before these keys existed.
  delete before.trainer.max_actor_ckpt_to_keep;
  delete before.algorithm.kl_ctrl.horizon;
  assert.deepEqual(resumeDifferences(before, cfg()), { refused: [], bookkeeping: [] });
  assert.deepEqual(
    resumeDifferences(before, cfg("algorithm.kl_ctrl.horizon=7")).refused.map((d) => d.key),
    ["algorithm.kl_ctrl.horizon"],
  );
});
