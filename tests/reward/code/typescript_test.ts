import assert from "node:assert/strict";
import {
  closeSharedTscService,
  compileWithCli,
  type TscResult,
  TscService,
} from "../../../lib/reward/code/tsc_service.ts";
import { runJavaScript, runTypeScriptProgram } from "../../../lib/reward/code/typescript.ts";
import { multiplEProgram, truncateAtStop } from "../../../lib/reward/code/programs.ts";

// Programs where the fast path could go wrong: errors only in lib files, global names shared
// with lib files, extra lib references, modules, non-strict defaults, esnext library.
const PARITY: Record<string, string> = {
  valid: "function f(x: number): number { return x + 1; }\nconsole.log(f(1));\n",
  typeError: "const x: number = 'a';\n",
  syntaxError: "function f( {\n",
  implicitAny: "function f(x) { return x; }\nf(1);\n",
  noNodeTypes: "process.exit(0);\n",
  esnextLibrary: "const a = [1, 2, 3].at(-1);\nconst b = Object.groupBy([1], (x) => x);\n",
  sharedGlobalName: "function name(): number { return 1; }\n",
  errorOnlyInLibFile: "function setTimeout() {}\n",
  iteratorAugmentation: "interface Iterator<T> { next(x: number): string }\nconst y = 1;\n",
  compatibleAugmentation: "interface Array<T> { foo(): number }\nconst a = [1];\n",
  extraLibReference: '/// <reference lib="webworker" />\nconst x = 1;\n',
  moduleGlobalAugmentation: "export {};\ndeclare global { interface Window { xx: number } }\n",
  tsNocheck: "// @ts-nocheck\nconst x: number = 'a';\n",
};

Deno.test("the compile service agrees with the tsc CLI on every verdict and emitted file", async () => {
  const service = new TscService({ workers: 1 });
  try {
    const names = Object.keys(PARITY);
    const cliRuns = Promise.all(names.map((n) => compileWithCli(PARITY[n])));
    const fast: TscResult[] = [];
    for (const n of names) fast.push(await service.compile(PARITY[n]));
    const cli = await cliRuns;
    for (const [i, n] of names.entries()) {
      assert.equal(fast[i].ok, cli[i].ok, `${n}: service ${fast[i].errors} / cli ${cli[i].errors}`);
      assert.equal(fast[i].reason, cli[i].reason, n);
      assert.equal(fast[i].js, cli[i].js, `${n}: emitted JavaScript differs`);
    }
    const ok = Object.fromEntries(names.map((n, i) => [n, fast[i].ok]));
    assert.deepEqual(ok, {
      valid: true,
      typeError: false,
      syntaxError: false,
      implicitAny: true,
      noNodeTypes: false,
      esnextLibrary: true,
      sharedGlobalName: false,
      errorOnlyInLibFile: false,
      iteratorAugmentation: false,
      compatibleAugmentation: true,
      extraLibReference: false,
      moduleGlobalAugmentation: true,
      tsNocheck: true,
    });
    // The lib files are checked only where main.ts has no error and touches their globals.
    const full = names.filter((_, i) => fast[i].fullCheck);
    assert.deepEqual(full, [
      "errorOnlyInLibFile",
      "iteratorAugmentation",
      "compatibleAugmentation",
      "extraLibReference",
      "moduleGlobalAugmentation",
    ]);
    assert.match(fast[names.indexOf("errorOnlyInLibFile")].errors, /lib\.dom\.d\.ts/);
  } finally {
    await service.close();
  }
});

Deno.test("a compile that runs past its limit is a timeout and the service recovers", async () => {
  const service = new TscService({ workers: 1, timeoutMs: 2000 });
  try {
    // CALLS calls that each match only the last of OVERLOADS overloads: every call is an
    // independent overload resolution (no cache, no depth or instantiation limit, little
    // memory), about 5 ms each here, a minute in all, so the limit is reached first on any
    // machine, fast or loaded, and the verdict is never a compile error.
    const OVERLOADS = 5000, CALLS = 10_000;
    const slow = Array.from({ length: OVERLOADS }, (_, i) => `declare function f(x: ${i}): ${i};\n`)
      .concat(Array.from({ length: CALLS }, (_, i) => `const y${i} = f(${OVERLOADS - 1});\n`))
      .join("");
    const r = await service.compile(slow);
    assert.deepEqual([r.ok, r.reason], [false, "timeout"]);
    const after = await service.compile("const x: number = 1;\n");
    assert.deepEqual([after.ok, after.reason], [true, "ok"]);
  } finally {
    await service.close();
  }
});

Deno.test("runTypeScriptProgram() follows MultiPL-E: loose deepEqual, type errors fail, exit code decides", async () => {
  const head = "declare var require: any;\nconst assert = require('node:assert');\n";
  try {
    const [loose, strictFail, typeError, thrown] = await Promise.all([
      runTypeScriptProgram(head + "assert.deepEqual('0' as any, 0);\n"),
      runTypeScriptProgram(head + "assert.deepEqual([1, 2], [2, 1]);\n"),
      runTypeScriptProgram(head + "const n: number = 'x';\n"),
      runTypeScriptProgram(head + "throw new Error('boom');\n"),
    ]);
    assert.deepEqual([loose.passed, loose.reason], [true, "ok"]);
    assert.deepEqual([strictFail.passed, strictFail.reason], [false, "failed: AssertionError"]);
    assert.deepEqual([typeError.passed, typeError.reason], [false, "compile error"]);
    assert.match(typeError.detail, /TS2322/);
    assert.deepEqual([thrown.passed, thrown.reason], [false, "exit code 1"]);
  } finally {
    await closeSharedTscService();
  }
});

Deno.test("runJavaScript() runs plain JavaScript with node", async () => {
  const r = await runJavaScript("console.log([1, 2, 3].map((x) => x * 2).join(','));\n");
  assert.deepEqual([r.passed, r.reason, r.stdout], [true, "ok", "2,4,6\n"]);
});

Deno.test("multiplEProgram() cuts the completion at the first stop token and appends the tests", () => {
  const task = {
    prompt: "function f(): number {\n",
    tests: "f();",
    stop_tokens: ["\nfunction ", "\n/*", "\n//", "\nclass"],
  };
  const completion = "  return 1;\n}\n// trailing comment\nfunction g() {}\n";
  assert.equal(
    multiplEProgram(task, { completion }),
    "function f(): number {\n  return 1;\n}\nf();",
  );
  assert.equal(truncateAtStop("abc", []), "abc");
  assert.equal(
    multiplEProgram(task, { solution: "function f() { return 2; }" }),
    "function f() { return 2; }\nf();",
  );
});
