import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_GENERATION, generateSuite } from "../../lib/eval/generate.ts";
import { openGenerator } from "../../lib/eval/open_generator.ts";
import {
  appendJsonLines,
  type EvalRecord,
  parseRecords,
  readRecords,
} from "../../lib/eval/records.ts";
import { getSuite } from "../../lib/eval/registry.ts";
import { checkRunIdentity, checkSamplesIdentity } from "../../lib/eval/run_identity.ts";
import type { Generator } from "../../lib/rollout/types.ts";
import { DATA_DIR, HAVE_DATA, quietIo, tinyModels } from "./_run_fixtures.ts";

const rec = (id: string, sample: number): EvalRecord => ({
  id,
  sample,
  prompt: "p",
  response: "r",
  extracted: null,
  correct: false,
  reason: "no answer found",
  tokens: 1,
  time_s: 0.1,
});
const line = (r: EvalRecord) => JSON.stringify(r) + "\n";

Deno.test("parseRecords() drops a torn last line without a newline and reports the good byte length", () => {
  const good = line(rec("a", 0)) + line(rec("b", 0));
  const r = parseRecords(good + '{"id":"c","sam', "x.jsonl");
  assert.deepEqual(r.records.map((x) => x.id), ["a", "b"]);
  assert.equal(r.torn, true);
  assert.equal(r.validBytes, new TextEncoder().encode(good).length);
  assert.match(r.warnings[0], /^x\.jsonl:3: dropping a torn last line/);
});

Deno.test("parseRecords() drops a complete last line that is not a valid record", () => {
  const good = line(rec("a", 0));
  const r = parseRecords(good + '{"id":"b"}\n', "x.jsonl");
  assert.deepEqual(r.records.map((x) => x.id), ["a"]);
  assert.equal(r.torn, true);
  assert.equal(r.validBytes, good.length);
  assert.match(r.warnings[0], /x\.jsonl:2: dropping a torn last line \(field "sample"/);
});

Deno.test("parseRecords() refuses a malformed line before the last, naming file:line", () => {
  const text = line(rec("a", 0)) + "not json\n" + line(rec("b", 0));
  assert.throws(() => parseRecords(text, "x.jsonl"), /^DataFormatError: x\.jsonl:2: invalid JSON/);
});

Deno.test("appendJsonLines() appends whole lines and readRecords() reads a missing file as empty", async () => {
  const dir = await Deno.makeTempDir();
  const p = join(dir, "r.jsonl");
  assert.deepEqual((await readRecords(p)).records, []);
  await appendJsonLines(p, [rec("a", 0), rec("a", 1)]);
  await appendJsonLines(p, [rec("b", 0)]);
  const r = await readRecords(p);
  assert.deepEqual(r.records.map((x) => `${x.id}${x.sample}`), ["a0", "a1", "b0"]);
  assert.equal(r.torn, false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkRunIdentity() refuses to resume with other generation settings but accepts another n", async () => {
  const dir = await Deno.makeTempDir();
  const model = { name: "m", path: "/m", endpoint: null };
  await checkRunIdentity(dir, { model, generation: DEFAULT_GENERATION });
  await checkRunIdentity(dir, { model, generation: { ...DEFAULT_GENERATION, n: 4 } });
  await assert.rejects(
    () => checkRunIdentity(dir, { model, generation: { ...DEFAULT_GENERATION, temperature: 0.7 } }),
    /other settings \(temperature 0 -> 0\.7\)/,
  );
  await assert.rejects(
    () =>
      checkRunIdentity(dir, { model: { ...model, name: "other" }, generation: DEFAULT_GENERATION }),
    /model m -> other/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkSamplesIdentity() keeps re-grading runs apart from generation runs and from other samples files", async () => {
  const dir = await Deno.makeTempDir();
  const gen = await Deno.makeTempDir();
  const samples = { file: "a.jsonl", sha256: "ab".repeat(32) };
  await checkSamplesIdentity(dir, { samples });
  await checkSamplesIdentity(dir, { samples: { ...samples, file: "moved/a.jsonl" } });
  await assert.rejects(
    () => checkSamplesIdentity(dir, { samples: { file: "b.jsonl", sha256: "cd".repeat(32) } }),
    /holds grades of another samples file \(moved\/a\.jsonl/,
  );
  await assert.rejects(
    () =>
      checkRunIdentity(dir, {
        model: { name: "m", path: null, endpoint: null },
        generation: DEFAULT_GENERATION,
      }),
    /holds samples graded from moved\/a\.jsonl/,
  );
  await checkRunIdentity(gen, {
    model: { name: "m", path: null, endpoint: null },
    generation: DEFAULT_GENERATION,
  });
  await assert.rejects(
    () => checkSamplesIdentity(gen, { samples }),
    /holds generated records of m/,
  );
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(gen, { recursive: true });
});

/** Counts the samples a generator is asked for. */
function counting(g: Generator): Generator & { asked: number } {
  const c = {
    asked: 0,
    model: g.model,
    maxModelLen: g.maxModelLen,
    generate: (reqs: Parameters<Generator["generate"]>[0]) => {
      c.asked += reqs.length;
      return g.generate(reqs);
    },
    close: () => g.close(),
  };
  return c;
}

Deno.test({
  name:
    "generateSuite() skips finished records, drops a torn last line and regenerates that sample identically",
  ignore: !HAVE_DATA,
  async fn() {
    const { root, model } = await tinyModels();
    const src = await openGenerator({ model });
    const gen = counting(src.generator);
    const suite = getSuite("math500");
    const tasks = await suite.load({ limit: 3, dataDir: DATA_DIR });
    const settings = { ...DEFAULT_GENERATION, n: 2, temperature: 1, maxTokens: 12, seed: 5 };
    const file = join(root, "math500.jsonl");
    try {
      const io = quietIo();
      const opts = {
        out: root,
        generator: gen,
        settings,
        tasks,
        tokenizer: src.tokenizer,
        batchSize: 4,
        ...io,
      };
      const first = await generateSuite(suite, opts);
      assert.deepEqual([first.generated, first.resumed, gen.asked], [6, 0, 6]);
      const original = (await readRecords(file)).records;
      assert.equal(original.length, 6);

      // Nothing to do: the generator is not called.
      const again = await generateSuite(suite, opts);
      assert.deepEqual([again.generated, again.resumed, gen.asked], [0, 6, 6]);
      assert.equal(again.records.length, 6);

      // A crash in the middle of the last line: it is dropped (with a warning) and regenerated.
      const bytes = await Deno.readFile(file);
      await Deno.writeFile(file, bytes.subarray(0, bytes.length - 15));
      const resumed = await generateSuite(suite, opts);
      assert.deepEqual([resumed.generated, resumed.resumed, gen.asked], [1, 5, 7]);
      assert.equal(io.warnings.length, 1);
      assert.match(io.warnings[0], /math500\.jsonl:6: dropping a torn last line/);
      const after = await readRecords(file);
      assert.equal(after.torn, false);
      const strip = (r: EvalRecord) => ({ ...r, time_s: 0 });
      // Per-sample seeds: the regenerated sample is the one an uninterrupted run drew.
      assert.deepEqual(after.records.map(strip), original.map(strip));
      // More samples per task extend the run with the next sample indices only.
      const more = await generateSuite(suite, { ...opts, settings: { ...settings, n: 3 } });
      assert.deepEqual([more.generated, more.resumed], [3, 6]);
      assert.deepEqual(
        more.records.filter((r) => r.sample === 2).map((r) => r.id),
        tasks.map((t) => t.id),
      );
    } finally {
      await gen.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});
