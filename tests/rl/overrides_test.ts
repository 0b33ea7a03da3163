import assert from "node:assert/strict";
import { ConfigError } from "../../lib/rl/config.ts";
import { parseOverride, parseOverrideArgs, parseOverrideValue } from "../../lib/rl/overrides.ts";

Deno.test("parseOverrideValue() reads Hydra's value grammar", () => {
  const table: [string, unknown][] = [
    ["1024", 1024],
    ["-1", -1],
    ["1_000", 1000],
    ["1e-6", 1e-6],
    ["1E6", 1e6],
    ["0.7", 0.7],
    [".5", 0.5],
    ["True", true],
    ["true", true],
    ["False", false],
    ["false", false],
    ["null", null],
    ["None", null],
    ["'error'", "error"],
    ['"Skywork/Skywork-Reward-V2-Llama-3.1-8B"', "Skywork/Skywork-Reward-V2-Llama-3.1-8B"],
    ["'1e-6'", "1e-6"],
    ["'true'", "true"],
    ["''", ""],
    ["vllm", "vllm"],
    ["/data/x.jsonl", "/data/x.jsonl"],
    ["builtin:smoke", "builtin:smoke"],
    ["1.2.3", "1.2.3"],
    ["[console]", ["console"]],
    ['["console"]', ["console"]],
    ['["console","wandb"]', ["console", "wandb"]],
    ["[0.9, 0.95]", [0.9, 0.95]],
    ["[a.jsonl,'b c.jsonl']", ["a.jsonl", "b c.jsonl"]],
    ["[]", []],
    ["[[1,2],[3]]", [[1, 2], [3]]],
    ["{target:a}", { target: "a" }],
    ['{"target": "a", "n": 2}', { target: "a", n: 2 }],
    ["{a:[1,null],b:{c:true}}", { a: [1, null], b: { c: true } }],
  ];
  for (const [raw, want] of table) assert.deepEqual(parseOverrideValue(raw), want, raw);
  assert.ok(Number.isNaN(parseOverrideValue("nan")));
  assert.equal(parseOverrideValue("-inf"), -Infinity);
});

Deno.test("parseOverrideValue() refuses unbalanced lists and Hydra's sweep commas", () => {
  assert.throws(() => parseOverrideValue("[a,b"), SyntaxError);
  assert.throws(() => parseOverrideValue("{a:1"), SyntaxError);
  assert.throws(() => parseOverrideValue("[a]x"), /unexpected text/);
  assert.throws(
    () => parseOverrideValue("a.jsonl,b.jsonl"),
    /write \[a\.jsonl,b\.jsonl\] for a list/,
  );
});

Deno.test("parseOverride() reads set, add and reset forms", () => {
  assert.deepEqual(parseOverride("data.truncation='error'"), {
    kind: "set",
    key: "data.truncation",
    value: "error",
    raw: "error",
    quoted: true,
    add: false,
    text: "data.truncation='error'",
  });
  const add = parseOverride("+data.seed=7");
  assert.equal(add.kind === "set" && add.add, true);
  assert.equal(add.kind === "set" && add.value, 7);
  const force = parseOverride("++data.seed=7");
  assert.equal(force.key, "data.seed");
  assert.deepEqual(parseOverride("~critic.optim"), {
    kind: "reset",
    key: "critic.optim",
    text: "~critic.optim",
  });
  const eq = parseOverride("trainer.experiment_name=a=b");
  assert.equal(eq.kind === "set" && eq.value, "a=b", "only the first = separates");
});

Deno.test("parseOverride() refuses malformed overrides naming the key", () => {
  const cases: [string, string, RegExp][] = [
    ["data.train_batch_size=", "data.train_batch_size", /has no value.*~data\.train_batch_size/],
    ["data.train_batch_size", "data.train_batch_size", /expected key=value/],
    ["~data.seed=3", "data.seed", /write ~data\.seed/],
    ["data..x=1", "data..x", /not a dotted key/],
    ["data.x=[1", "data.x", /cannot parse the value/],
  ];
  for (const [text, key, re] of cases) {
    assert.throws(() => parseOverride(text), (e) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.key, key, text);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("parseOverrideArgs() separates overrides from flags and their values", () => {
  const r = parseOverrideArgs([
    "--preset",
    "smoke",
    "data.train_batch_size=16",
    "--out=runs/x",
    "~kit.seed",
    "--dry-run",
    "+data.seed=3",
    "runs/y",
  ]);
  assert.deepEqual(r.args, ["--preset", "smoke", "--out=runs/x", "--dry-run", "runs/y"]);
  assert.deepEqual(r.overrides.map((o) => o.text), [
    "data.train_batch_size=16",
    "~kit.seed",
    "+data.seed=3",
  ]);
});

Deno.test("parseOverrideArgs() explains a value split off by a space after =", () => {
  assert.throws(
    () => parseOverrideArgs(["critic.model.path=", "/models/m", "trainer.nnodes=1"]),
    (e) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.key, "critic.model.path");
      assert.match(e.message, /followed by "\/models\/m".*write critic\.model\.path=\/models\/m$/);
      return true;
    },
  );
  assert.throws(
    () => parseOverrideArgs(["critic.model.path=", "--dry-run"]),
    /critic\.model\.path= has no value: write critic\.model\.path=VALUE/,
  );
});
