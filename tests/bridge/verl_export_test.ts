import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC } from "@uwdata/flechette";
import { readParquet } from "parquet-wasm";
import { exportVerl, PATH_KEYS, planVerlExport } from "../../lib/bridge/verl_export.ts";
import { parseOverride, parseOverrideValue } from "../../lib/rl/overrides.ts";
import { DATA_DIR, withData } from "../_data.ts";

const GRLO_SH = fileURLToPath(new URL("../rl/fixtures/grlo_train.sh", import.meta.url));
const GRLO_PROMPTS = join(DATA_DIR, "grlo-prompts", "train.jsonl");

/** `key=value` pairs of a verl launcher (GRLO's `path= <model>` read as one pair). */
function overridesOf(sh: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const body = sh.split("\n").filter((l) => !l.trim().startsWith("#")).map((l) =>
    l.replace(/\s+#\s.*$/, "")
  ).join(" ").replaceAll("\\", " ");
  const tokens = body.split(/\s+/).filter((t) => t !== "");
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const m = /^\+?([a-z_]+(?:\.[\w]+)+)=(.*)$/.exec(t);
    if (!m) continue;
    const raw = m[2] === "" ? tokens[++i] : m[2];
    out.set(m[1], raw.includes("$") ? raw : parseOverrideValue(raw));
  }
  return out;
}

/** Reads a Parquet file with arrow-rs (parquet-wasm) and flechette: not the writer's code. */
function readBack(file: string) {
  const table = tableFromIPC(readParquet(Deno.readFileSync(file)).intoIPCStream());
  return { table, rows: table.toArray() as Record<string, unknown>[] };
}

withData.test("export-verl of grlo-paper gives the GRLO train.sh overrides key by key and 1,000 parquet rows", async () => {
  const out = await Deno.makeTempDir();
  const r = await exportVerl(out, {
    preset: "grlo-paper",
    overrides: [
      `data.train_files=${GRLO_PROMPTS}`,
      "actor_rollout_ref.model.path=Qwen/Qwen3-4B-Base",
    ],
  });
  const want = overridesOf(await Deno.readTextFile(GRLO_SH));
  const got = overridesOf(await Deno.readTextFile(join(out, "train.sh")));
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) {
    if (PATH_KEYS.includes(k)) continue;
    assert.deepEqual(got.get(k), v, k);
  }
  assert.equal(got.get("critic.model.path"), "Qwen/Qwen3-4B-Base");
  assert.equal(got.get("data.train_files"), '"$HERE/data/train.parquet"');
  assert.equal(r.rows.train, 1000);

  const { table, rows } = readBack(join(out, "data", "train.parquet"));
  assert.equal(table.numRows, 1000);
  assert.deepEqual(table.schema.fields.map((f) => f.name), [
    "data_source",
    "prompt",
    "ability",
    "reward_model",
    "extra_info",
  ]);
  const first = JSON.parse(await Deno.readTextFile(GRLO_PROMPTS).then((t) => t.split("\n")[0]));
  const row = rows[0];
  assert.equal(row.data_source, first.data_source);
  assert.deepEqual(
    (row.prompt as { role: string; content: string }[]).map((m) => ({ ...m })),
    first.prompt.map((m: { role: string; content: string }) => ({
      content: m.content,
      role: m.role,
    })),
  );
  assert.deepEqual({ ...(row.reward_model as object) }, { ground_truth: "", style: "model" });
  const extra = row.extra_info as { index: bigint | number; split: string };
  assert.equal(Number(extra.index), 0);
  assert.equal(extra.split, "train");
  assert.equal(readBack(join(out, "data", "val.parquet")).table.numRows, 32);
  await Deno.remove(out, { recursive: true });
});

Deno.test("export-verl turns style_mix weights into reward_kwargs and --gpus/--nodes into trainer keys", () => {
  const plan = planVerlExport({
    preset: "grlo-paper",
    overrides: [
      "data.train_files=builtin:smoke",
      "actor_rollout_ref.model.path=/models/q",
      "reward_model.style_mix.length_target=2048",
      "kit.seed=3",
    ],
    gpus: 8,
    nodes: 2,
  });
  const byKey = new Map(plan.overrides.map((o) => [o.key, o]));
  assert.equal(byKey.get("trainer.n_gpus_per_node")?.value, 8);
  assert.equal(byKey.get("trainer.nnodes")?.value, 2);
  assert.equal(byKey.get("trainer.nnodes")?.source, "--nodes");
  assert.deepEqual(plan.rewardKwargs.map((o) => [o.key, o.value]), [
    ["+reward_model.reward_kwargs.length_target", 2048],
  ]);
  assert.deepEqual(plan.omitted.map((o) => o.key), ["kit.seed"]);
});

Deno.test("export-verl of an RLVR config on gsm8k-shaped records writes verl's gsm8k rows and the kit's grader", async () => {
  const dir = await Deno.makeTempDir();
  const src = join(dir, "gsm.jsonl");
  await Deno.writeTextFile(
    src,
    JSON.stringify({
      question: "Natalia sold 48 clips. How many?",
      answer: "48/1=48\n#### 1,048",
    }) +
      "\n",
  );
  const r = await exportVerl(join(dir, "x"), {
    overrides: [
      `data.train_files=${src}`,
      "data.train_batch_size=1",
      "actor_rollout_ref.actor.ppo_mini_batch_size=1",
      "actor_rollout_ref.model.path=/m",
      "algorithm.adv_estimator=grpo",
      "actor_rollout_ref.rollout.n=2",
    ],
  });
  const { rows } = readBack(join(dir, "x", "data", "train.parquet"));
  assert.equal(rows[0].data_source, "openai/gsm8k");
  assert.deepEqual({ ...(rows[0].reward_model as object) }, {
    ground_truth: "1048",
    style: "rule",
  });
  const keys = new Map(r.plan.overrides.map((o) => [o.key, o.value]));
  assert.equal(keys.get("custom_reward_function.path"), "$HERE/reward/kit_reward.py");
  assert.equal(keys.has("critic.model.path"), false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("export-verl refuses an unknown key naming it and the closest known key", () => {
  assert.throws(
    () =>
      planVerlExport({
        preset: "grlo-paper",
        overrides: [
          "data.train_files=builtin:smoke",
          "actor_rollout_ref.model.path=/m",
          "data.max_promt_length=9",
        ],
      }),
    /unknown key data\.max_promt_length; the closest known key is data\.max_prompt_length/,
  );
});

Deno.test("export-verl refuses a config without a policy model, naming actor_rollout_ref.model.path", () => {
  assert.throws(
    () => planVerlExport({ preset: "smoke" }),
    /actor_rollout_ref\.model\.path: verl needs a model directory or hub id/,
  );
});

Deno.test("the GRLO fixture parser reads 46 overrides with the space-split model path", async () => {
  const want = overridesOf(await Deno.readTextFile(GRLO_SH));
  assert.equal(want.size, 46);
  assert.equal(want.get("actor_rollout_ref.model.path"), "<model>");
  assert.equal(parseOverride("trainer.logger='[\"console\"]'").kind, "set");
});
