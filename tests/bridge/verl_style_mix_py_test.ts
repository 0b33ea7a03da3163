import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { styleMixScore, type StyleMixWeights, styleTerms } from "../../lib/reward/style_mix.ts";
import { DEFAULT_STYLE_MIX } from "../../lib/reward/style_mix.ts";

const PY_DIR = fromFileUrl(new URL("../../lib/bridge/python/", import.meta.url));
const FIXTURE = fromFileUrl(new URL("../fixtures/verl/style_responses.jsonl", import.meta.url));

interface Case {
  response: string;
  response_ids: number[];
  finish_reason: "stop" | "length";
  rm: number;
}

const WEIGHT_SETS: Partial<StyleMixWeights>[] = [
  {},
  { length_target: 64, length_penalty: 0.25, clean_stop_bonus: 0.5, repetition_ngram: 2 },
  { rm_weight: 0.3, no_stop_penalty: 2.5, repetition_penalty: 3, repetition_ngram: 1 },
  { length_target: 1, empty_penalty: 7.25, repetition_ngram: 6 },
];

async function python(code: string, input: string): Promise<string> {
  const p = new Deno.Command("python3", {
    args: ["-c", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONPATH: PY_DIR },
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(input));
  await w.close();
  const out = await p.output();
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, err);
  return new TextDecoder().decode(out.stdout);
}

const PY_SCORE = `
import json, sys, style_mix
req = json.load(sys.stdin)
out = []
for w in req["weights"]:
    for c in req["cases"]:
        out.append(style_mix.score_one(c["response"], c["response_ids"], c["finish_reason"], c["rm"], w))
print(json.dumps(out))
`;

Deno.test("style_mix.py gives the TypeScript terms and scores on 64 fixture responses x 4 weight sets", async () => {
  const cases: Case[] = (await Deno.readTextFile(FIXTURE)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.ok(cases.length >= 50);
  const kinds = new Set(cases.map((c) => c.finish_reason));
  assert.deepEqual([...kinds].sort(), ["length", "stop"]);
  const py = JSON.parse(await python(PY_SCORE, JSON.stringify({ weights: WEIGHT_SETS, cases })));
  let i = 0, nonzeroRepetition = 0, empties = 0;
  for (const partial of WEIGHT_SETS) {
    const w = { ...DEFAULT_STYLE_MIX, ...partial };
    for (const c of cases) {
      const t = styleTerms({
        messages: [],
        response: c.response,
        responseIds: c.response_ids,
        finishReason: c.finish_reason,
        maxResponseTokens: 64,
        meta: {},
      }, w);
      const got = py[i++];
      const where = `case ${(i - 1) % cases.length} weights ${JSON.stringify(partial)}`;
      assert.deepEqual(
        { ...t, rm: c.rm, score: styleMixScore(c.rm, t, w) },
        { ...got },
        where,
      );
      if (t.repetition > 0) nonzeroRepetition++;
      empties += t.empty;
    }
  }
  assert.ok(nonzeroRepetition > 20, `only ${nonzeroRepetition} repetitive cases`);
  assert.ok(empties >= 16, `only ${empties} empty cases`);
});

Deno.test("style_mix.py refuses an unknown weight name, naming the reward_kwargs key", async () => {
  const code = `
import style_mix
try:
    style_mix.check_weights({"lenght_target": 3})
except ValueError as e:
    print(e)
`;
  const out = await python(code, "");
  assert.match(out, /reward_model\.reward_kwargs\.lenght_target: not a style_mix weight/);
});

Deno.test("sitecustomize.py registers style_mix when a verl-shaped package is imported", async () => {
  const fake = await Deno.makeTempDir();
  const rm = `${fake}/verl/workers/reward_manager`;
  await Deno.mkdir(rm, { recursive: true });
  await Deno.writeTextFile(`${fake}/verl/__init__.py`, "");
  await Deno.writeTextFile(`${fake}/verl/workers/__init__.py`, "");
  await Deno.writeTextFile(
    `${rm}/__init__.py`,
    "REG = {}\ndef register(name):\n    def d(cls):\n        REG[name] = cls\n        return cls\n    return d\n",
  );
  await Deno.writeTextFile(`${fake}/torch.py`, "");
  const p = await new Deno.Command("python3", {
    args: ["-c", "import verl.workers.reward_manager as m; print(sorted(m.REG))"],
    env: { PYTHONPATH: `${PY_DIR}:${fake}` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(fake, { recursive: true });
  assert.equal(p.code, 0, new TextDecoder().decode(p.stderr));
  assert.equal(new TextDecoder().decode(p.stdout).trim(), "['style_mix']");
});
