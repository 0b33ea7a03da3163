import assert from "node:assert/strict";
import {
  createRuleReward,
  registerRuleReward,
  ruleReward,
  ruleRewardNames,
} from "../../lib/reward/rules.ts";
import { record } from "./_fixtures.ts";

Deno.test("char_fraction scores the fraction of characters equal to the target", async () => {
  const r = createRuleReward("char_fraction", { target: "a" });
  const out = await r.score([
    record({ response: "aaba" }),
    record({ response: "" }),
    record({ response: "ñaña" }), // code points: ñ a ñ a
  ]);
  assert.deepEqual(out.map((o) => o.score), [0.75, 0, 0.5]);
  assert.deepEqual(out[0].terms, { char_fraction: 0.75 });
});

Deno.test("length_target peaks at the target length and falls to 0 at twice it", async () => {
  const r = createRuleReward("length_target", { target: 4 });
  const ids = (n: number) => Array.from({ length: n }, () => 1);
  const out = await r.score([4, 2, 6, 8, 12, 0].map((n) => record({ responseIds: ids(n) })));
  assert.deepEqual(out.map((o) => o.score), [1, 0.5, 0.5, 0, 0, 0]);
  const chars = createRuleReward("length_target", { target: 2, unit: "chars" });
  assert.equal((await chars.score([record({ response: "abc" })]))[0].score, 0.5);
});

Deno.test("contains scores 1 when the response holds the text, case-insensitive by default", async () => {
  const r = createRuleReward("contains", { text: "paris" });
  const out = await r.score([record({ response: "It is Paris." }), record({ response: "Rome" })]);
  assert.deepEqual(out.map((o) => o.score), [1, 0]);
  const strict = createRuleReward("contains", { text: "paris", case_sensitive: true });
  assert.equal((await strict.score([record({ response: "Paris" })]))[0].score, 0);
});

Deno.test("createRuleReward() throws for an unknown name, listing the known ones", () => {
  assert.throws(
    () => createRuleReward("nope"),
    /unknown rule reward "nope"; known: char_fraction, contains, length_target/,
  );
});

Deno.test("registerRuleReward() refuses a name that is taken", () => {
  assert.throws(
    () => registerRuleReward("char_fraction", () => ruleReward("x", () => 0)),
    /"char_fraction" is already registered/,
  );
  registerRuleReward("test_constant_one", () => ruleReward("test_constant_one", () => 1));
  assert.ok(ruleRewardNames().includes("test_constant_one"));
});

Deno.test("rule rewards name the bad keyword argument", () => {
  assert.throws(
    () => createRuleReward("char_fraction", { target: "ab" }),
    /custom_reward_function\.reward_kwargs\.target \(char_fraction\)/,
  );
  assert.throws(() => createRuleReward("char_fraction", {}), /reward_kwargs\.target/);
  assert.throws(
    () => createRuleReward("length_target", { target: 4, extra: 1 }),
    /reward_kwargs \(length_target\)/,
  );
});
