import assert from "node:assert/strict";
import { join } from "node:path";
import { loadCorpus } from "../../lib/train/corpus.ts";
import { loadPairs } from "../../lib/train/pairs.ts";

Deno.test("loadPairs() refuses a line without chosen, naming file:line and the field", async () => {
  const dir = await Deno.makeTempDir();
  const f = join(dir, "pairs.jsonl");
  await Deno.writeTextFile(
    f,
    '{"prompt":"hi","chosen":"a","rejected":"b"}\n{"prompt":"hi","rejected":"b"}\n',
  );
  await assert.rejects(
    () => loadPairs(f),
    { message: `${f}:2: field "chosen": expected string, got nothing (field missing)` },
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadCorpus() refuses a missing file and a JSONL line without text, naming them", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(() => loadCorpus(join(dir, "nope.txt")), {
    message: `${join(dir, "nope.txt")}: no such corpus file`,
  });
  const f = join(dir, "c.jsonl");
  await Deno.writeTextFile(f, '{"text":"a"}\n\n{"body":"b"}\n');
  await assert.rejects(() => loadCorpus(f), {
    message: `${f}:3: field "text": expected string, got nothing (field missing)`,
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task pretrain exits 1 naming the missing corpus file", async () => {
  const dir = await Deno.makeTempDir();
  const missing = join(dir, "missing.txt");
  const p = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-check",
      "tasks/pretrain.ts",
      "--corpus",
      missing,
      "--preset",
      "toy",
      "--out",
      join(dir, "o"),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(p.stderr);
  assert.equal(p.code, 1);
  assert.ok(err.includes(`error: ${missing}: no such corpus file`), err);
  await Deno.remove(dir, { recursive: true });
});
