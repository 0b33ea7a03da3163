import assert from "node:assert/strict";
import { datasetId, MANIFEST, parseManifest } from "../../lib/data/manifest.ts";
import { applyTransform } from "../../lib/data/download.ts";
import { sha256File, sha256Hex } from "../../lib/util/hash.ts";
import { readMaybeGzipText } from "../../lib/data/jsonl.ts";
import { DATA_DIR, withData } from "../_data.ts";

const SHARED = `${DATA_DIR}/`;

Deno.test("MANIFEST lists the 11 external files with pinned GitHub raw URLs", () => {
  assert.deepEqual(MANIFEST.files.map(datasetId).sort(), [
    "aime24/test.jsonl",
    "amc23/test.jsonl",
    "arena-hard/gpt-4-0314.jsonl",
    "arena-hard/question.jsonl",
    "grlo-prompts/train.jsonl",
    "gsm8k/test.jsonl",
    "gsm8k/train.jsonl",
    "humaneval-ts/humaneval-ts.jsonl",
    "humaneval/HumanEval.jsonl.gz",
    "math500/test.jsonl",
    "mbppplus/MbppPlus-v0.1.0.jsonl",
  ]);
  for (const f of MANIFEST.files) {
    assert.equal(f.url, `https://raw.githubusercontent.com/${f.repository}/${f.commit}/${f.path}`);
  }
});

Deno.test("parseManifest() names the bad field and rejects duplicate entries", () => {
  const f = { ...MANIFEST.files[0] };
  assert.throws(
    () => parseManifest({ description: "", files: [{ ...f, sha256: "xyz" }] }),
    /field "files\.0\.sha256"/,
  );
  assert.throws(
    () => parseManifest({ description: "", files: [f, f] }),
    /duplicate entry grlo-prompts\/train\.jsonl/,
  );
});

withData.test("MANIFEST sha256, size and row counts match the copies in ../shared/data", async (t) => {
  for (const f of MANIFEST.files) {
    await t.step(datasetId(f), async () => {
      const path = `${SHARED}${f.folder}/${f.file}`;
      assert.equal(await sha256File(path), f.sha256);
      assert.equal((await Deno.stat(path)).size, f.bytes);
      const rows = (await readMaybeGzipText(path)).split("\n").filter((l) =>
        l.trim() !== ""
      ).length;
      assert.equal(rows, f.rows);
    });
  }
});

withData.test("the math500 transform turns the prefixed upstream text back into the pinned file", async () => {
  const f = MANIFEST.files.find((e) => datasetId(e) === "math500/test.jsonl")!;
  const t = f.transform!;
  const pinned = await Deno.readTextFile(`${SHARED}math500/test.jsonl`);
  const upstreamLike = pinned.split(t.with).join(t.replace); // re-add BudgetThinker's prefix
  const restored = applyTransform(upstreamLike, t, "math500/test.jsonl");
  assert.equal(sha256Hex(new TextEncoder().encode(restored)), f.sha256);
  assert.throws(
    () => applyTransform(pinned, t, "math500/test.jsonl"),
    /expected 500 occurrence\(s\).*found 0/,
  );
});
