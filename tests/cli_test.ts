import assert from "node:assert/strict";
import { CliError, cliHelp, parseCli, positiveInt, splitList } from "../lib/cli.ts";

const spec = {
  command: "deno task demo",
  summary: "A demo command.",
  options: {
    suites: { type: "string", valueName: "a,b", description: "suites to run" },
    limit: { type: "string", default: "10", description: "max tasks" },
    offline: { type: "boolean", short: "o", description: "never download" },
  },
  positionals: [{ name: "run", description: "a run directory" }],
  examples: ["deno task demo --suites gsm8k runs/x"],
} as const;

Deno.test("parseCli() returns typed values with defaults and positionals", () => {
  const r = parseCli(["--suites=gsm8k,math500", "-o", "runs/a"], spec);
  assert.equal(r.values.suites, "gsm8k,math500");
  assert.equal(r.values.limit, "10");
  assert.equal(r.values.offline, true);
  assert.deepEqual(r.positionals, ["runs/a"]);
  assert.equal(r.help, false);
  assert.equal(parseCli([], spec).values.offline, false);
});

Deno.test("parseCli() rejects an unknown flag, suggesting the closest known one", () => {
  assert.throws(() => parseCli(["--suite", "gsm8k"], spec), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.equal(
      e.message,
      "deno task demo: unknown option --suite. Did you mean --suites? Known options: --suites, --limit, --offline, --help",
    );
    return true;
  });
  assert.throws(() => parseCli(["--zzzzzz"], spec), /unknown option --zzzzzz\. Known options/);
});

Deno.test("parseCli() rejects a string flag without its value and extra positionals", () => {
  assert.throws(
    () => parseCli(["--suites"], spec),
    /deno task demo: Option '--suites <value>' argument missing/,
  );
  assert.throws(() => parseCli(["a", "b"], spec), /expected at most 1 argument\(s\), got 2: a b/);
});

Deno.test("parseCli() reports --help with generated help text", () => {
  const r = parseCli(["--help"], spec);
  assert.equal(r.help, true);
  assert.equal(r.helpText, cliHelp(spec));
  assert.match(r.helpText, /^Usage: deno task demo \[options\] <run>/);
  assert.match(r.helpText, /--suites <a,b>\s+suites to run\n/);
  assert.match(r.helpText, /--limit <value>\s+max tasks \(default: 10\)/);
  assert.match(r.helpText, /-o, --offline\s+never download/);
  assert.match(r.helpText, /-h, --help\s+show this help and exit/);
  assert.ok(r.helpText.endsWith("Examples:\n  deno task demo --suites gsm8k runs/x"));
});

Deno.test("splitList() splits on commas and drops empty items", () => {
  assert.deepEqual(splitList(" a, b,,c "), ["a", "b", "c"]);
  assert.deepEqual(splitList(undefined), []);
});

Deno.test("positiveInt() accepts positive integers and names the flag otherwise", () => {
  assert.equal(positiveInt("runs", "12"), 12);
  for (const bad of ["0", "-3", "2.5", "x", ""]) {
    assert.throws(
      () => positiveInt("runs", bad),
      (e: Error) =>
        e instanceof CliError && e.message === `--runs: expected a positive integer, got "${bad}"`,
    );
  }
});
