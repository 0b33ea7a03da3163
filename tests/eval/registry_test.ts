import assert from "node:assert/strict";
import { getSuite, listSuites, registerSuite } from "../../lib/eval/registry.ts";

Deno.test("the registry holds the math and chat suites under their names", () => {
  const names = listSuites().map((s) => s.name);
  for (const n of ["gsm8k", "math500", "aime24", "amc23", "math", "arena-hard"]) {
    assert.ok(names.includes(n), n);
  }
  assert.equal(getSuite("math500").domain, "math");
  assert.equal(getSuite("arena-hard").grade, undefined);
  assert.deepEqual(listSuites("chat").map((s) => s.name).filter((n) => n === "arena-hard"), [
    "arena-hard",
  ]);
  assert.ok(listSuites("math").every((s) => s.domain === "math"));
});

Deno.test("registerSuite() throws on a duplicate name", () => {
  assert.throws(
    () => registerSuite(getSuite("gsm8k")),
    /a suite named "gsm8k" is already registered/,
  );
});

Deno.test("getSuite() throws listing the known names", () => {
  assert.throws(() => getSuite("gsm9k"), (e: unknown) => {
    assert.match((e as Error).message, /^unknown suite "gsm9k"; known suites: .*gsm8k.*math500/);
    return true;
  });
});
