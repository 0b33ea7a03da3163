import assert from "node:assert/strict";
import { z } from "zod";
import { DataFormatError, parseJsonl, readJsonl } from "../../lib/data/jsonl.ts";

const Row = z.object({
  question: z.string(),
  answer: z.string(),
  meta: z.object({ level: z.number() }).optional(),
});

Deno.test("parseJsonl() returns records with their line numbers and skips blank lines", () => {
  const text = '{"question":"q1","answer":"1"}\n\n{"question":"q2","answer":"2"}\r\n';
  const r = parseJsonl(text, "t.jsonl", Row);
  assert.deepEqual(r.records.map((x) => x.question), ["q1", "q2"]);
  assert.deepEqual(r.lines, [1, 3]);
  assert.deepEqual(r.warnings, []);
});

Deno.test("parseJsonl() names file:line, the field and the expected type for a schema error", () => {
  const text = '{"question":"q1","answer":"1"}\n{"question":"q2","answer":2}\n';
  assert.throws(() => parseJsonl(text, "gsm8k/test.jsonl", Row), (e: unknown) => {
    assert.ok(e instanceof DataFormatError);
    assert.equal(e.line, 2);
    assert.equal(e.field, "answer");
    assert.equal(e.message, 'gsm8k/test.jsonl:2: field "answer": expected string, got number');
    return true;
  });
});

Deno.test("parseJsonl() reports a missing nested field by its path", () => {
  const text = '{"question":"q","answer":"a","meta":{}}\n';
  assert.throws(
    () => parseJsonl(text, "f.jsonl", Row),
    /f\.jsonl:1: field "meta\.level": expected number, got nothing \(field missing\)/,
  );
});

Deno.test("parseJsonl() reports bad JSON with file:line", () => {
  assert.throws(
    () => parseJsonl('{"question":"q","answer":"a"}\n{oops\n', "f.jsonl", Row),
    /^DataFormatError: f\.jsonl:2: invalid JSON/,
  );
  assert.throws(
    () => parseJsonl('{"question":"q","answer":"a"}\n{oops\n', "f.jsonl", Row),
    (e: unknown) => {
      assert.ok(e instanceof DataFormatError);
      assert.equal(e.field, null);
      return true;
    },
  );
});

Deno.test("parseJsonl() with skipMalformed skips bad lines and returns one warning per line", () => {
  const text = [
    '{"question":"a","answer":"1"}',
    "not json",
    '{"question":"b"}',
    '{"question":"c","answer":"3"}',
  ].join("\n");
  const r = parseJsonl(text, "f.jsonl", Row, { skipMalformed: true });
  assert.deepEqual(r.records.map((x) => x.question), ["a", "c"]);
  assert.deepEqual(r.lines, [1, 4]);
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[0], /^f\.jsonl:2: invalid JSON/);
  assert.equal(
    r.warnings[1],
    'f.jsonl:3: field "answer": expected string, got nothing (field missing)',
  );
});

Deno.test("parseJsonl() stops after limit valid records", () => {
  const text = Array.from(
    { length: 5 },
    (_, i) => JSON.stringify({ question: `q${i}`, answer: `${i}` }),
  ).join("\n");
  assert.deepEqual(parseJsonl(text, "f", Row, { limit: 2 }).records.map((r) => r.answer), [
    "0",
    "1",
  ]);
});

Deno.test("readJsonl() reads gzip files by their .gz name", async () => {
  const dir = await Deno.makeTempDir();
  const text = '{"question":"q","answer":"42"}\n';
  const gz = new Uint8Array(
    await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  await Deno.writeFile(`${dir}/x.jsonl.gz`, gz);
  const r = await readJsonl(`${dir}/x.jsonl.gz`, Row);
  assert.equal(r.records[0].answer, "42");
  await Deno.remove(dir, { recursive: true });
});
