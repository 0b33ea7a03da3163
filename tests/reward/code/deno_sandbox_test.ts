// The Deno permission sandbox (no system packages): the same hostile programs as the
// bubblewrap tests; each must fail *because* of the sandbox (a permission denial in its
// stderr, or the limit that ended it), and the controls must pass or fail on their merits.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  denoSandboxArgs,
  runDenoProgram,
  runDenoSandboxed,
} from "../../../lib/reward/code/deno_sandbox.ts";
import { listen } from "./_listener.ts";

const OPTS = { timeoutMs: 20_000 };

/** A secret file outside the project, in a JSON a static import could load. */
async function secretFile(): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "deno-sandbox-secret-" });
  const path = join(dir, "secret.json");
  await Deno.writeTextFile(path, JSON.stringify({ secret: "hunter2-deno" }));
  return { dir, path };
}

/** Runs every program; returns the results by name. */
async function runAll(programs: Record<string, string>) {
  const names = Object.keys(programs);
  const results = await Promise.all(names.map((n) => runDenoProgram(programs[n], OPTS)));
  return Object.fromEntries(names.map((n, i) => [n, results[i]]));
}

/** Asserts each named run failed with exit code 1 and a stderr matching its pattern. */
function assertDenied(
  results: Awaited<ReturnType<typeof runAll>>,
  expected: Record<string, RegExp>,
): void {
  for (const [name, pattern] of Object.entries(expected)) {
    const r = results[name];
    assert.equal(r.passed, false, `${name} succeeded: ${r.stdout}`);
    assert.equal(r.reason, "exit code 1", `${name}: ${r.reason} ${r.stderr}`);
    assert.equal(r.sandboxed, true);
    assert.match(r.stderr, pattern, name);
  }
}

Deno.test("denoSandboxArgs() grants no permission, loads no config, fetches nothing and caps the heap", () => {
  const args = denoSandboxArgs(300);
  assert.equal(args[0], "run");
  for (
    const flag of [
      "--no-config",
      "--no-lock",
      "--no-npm",
      "--no-remote",
      "--no-prompt",
      "--no-check",
      "--v8-flags=--max-old-space-size=300",
    ]
  ) assert.ok(args.includes(flag), flag);
  assert.deepEqual(args.filter((a) => /^(-A|--allow|--unstable|--inspect)/.test(a)), []);
  assert.match(args.at(-1)!, /^data:application\/javascript,/, "the entry is not a file");
});

Deno.test("runDenoSandboxed() passes a correct TypeScript program and fails a broken assert with exit code 1", async () => {
  const test = (answer: string) =>
    `function add(x: number, y: number): number {\n  return ${answer};\n}\n\n` +
    `declare var require: any;\nconst assert = require('node:assert');\n` +
    `function test() {\n  let candidate = add;\n  assert.deepEqual(candidate(2, 3), 5);\n}\n\ntest();\n`;
  const [good, bad, thrown] = await Promise.all([
    runDenoSandboxed(test("x + y"), OPTS),
    runDenoSandboxed(test("x - y"), OPTS),
    runDenoSandboxed("throw new RangeError('no');", OPTS),
  ]);
  assert.deepEqual([good.passed, good.reason, good.sandboxed], [true, "ok", true], good.detail);
  assert.deepEqual([bad.passed, bad.reason], [false, "exit code 1"]);
  assert.match(bad.detail, /AssertionError/);
  assert.deepEqual([thrown.passed, thrown.reason], [false, "exit code 1"]);
  assert.match(thrown.detail, /Uncaught \(in promise\) RangeError: no/);
});

Deno.test("runDenoSandboxed() denies reading files through Deno, node:fs, fetch, require and imports", async () => {
  const { dir, path } = await secretFile();
  const url = new URL(`file://${path}`).href;
  try {
    const r = await runAll({
      deno: `console.log(Deno.readTextFileSync("/etc/passwd"));`,
      nodeFs: `import fs from "node:fs"; console.log(fs.readFileSync("/etc/passwd", "utf8"));`,
      fetch: `console.log(await (await fetch("file:///etc/passwd")).text());`,
      require: `declare var require: any; console.log(require(${JSON.stringify(path)}));`,
      staticImport: `import s from ${JSON.stringify(url)} with { type: "json" };\nconsole.log(s);`,
      dynamicImport: `console.log(await import(${
        JSON.stringify(url)
      }, { with: { type: "json" } }));`,
      importPasswd: `await import("file:///etc/passwd");`,
      readDir: `console.log([...Deno.readDirSync("/")]);`,
      worker: `new Worker(${JSON.stringify(url)}, { type: "module" });`,
    });
    assertDenied(r, {
      deno: /NotCapable: Requires read access to "\/etc\/passwd"/,
      nodeFs: /NotCapable: Requires read access to "\/etc\/passwd"/,
      fetch: /NotCapable: Requires read access to "\/etc\/passwd"/,
      require: /NotCapable: Requires read access to/,
      staticImport: new RegExp(`Requires read access to "${path}"`),
      dynamicImport: new RegExp(`Requires read access to "${path}"`),
      importPasswd: /Requires read access to "\/etc\/passwd"/,
      readDir: /NotCapable: Requires read access to "\/"/,
      worker: new RegExp(`Requires read access to "${path}"`),
    });
    for (const [name, run] of Object.entries(r)) {
      assert.ok(!(run.stdout + run.stderr).includes("hunter2-deno"), `${name} leaked the secret`);
      assert.ok(!(run.stdout + run.stderr).includes("root:x:0:0"), `${name} leaked /etc/passwd`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runDenoSandboxed() denies writes, and the Cache API and localStorage cannot reach the disk", async () => {
  const dir = await Deno.makeTempDir({ prefix: "deno-sandbox-write-" });
  const target = join(dir, "pwned.txt");
  try {
    const r = await runAll({
      deno: `Deno.writeTextFileSync(${JSON.stringify(target)}, "x");`,
      nodeFs: `import fs from "node:fs"; fs.writeFileSync(${JSON.stringify(target)}, "x");`,
      cwd: `Deno.writeTextFileSync("here.txt", "x");`,
      caches: `const c = await caches.open("x");\n` +
        `await c.put("http://a/b", new Response(new Uint8Array(1 << 20)));`,
      localStorage: `localStorage.setItem("k", "v");`,
    });
    assertDenied(r, {
      deno: new RegExp(`NotCapable: Requires write access to "${target}"`),
      nodeFs: new RegExp(`NotCapable: Requires write access to "${target}"`),
      cwd: /NotCapable: Requires write access to "here.txt"/,
      caches: /Failed to create cache storage directory/,
      localStorage: /NotADirectory/,
    });
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing was written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runDenoSandboxed() denies the network, spawning, env, ffi and sys, and permission prompts", async () => {
  const server = listen();
  Deno.env.set("GRLO_DENO_SANDBOX_SECRET", "hunter2");
  try {
    const r = await runAll({
      fetch: `await fetch("http://127.0.0.1:${server.port}/");`,
      connect: `await Deno.connect({ hostname: "127.0.0.1", port: ${server.port} });`,
      nodeNet: `import net from "node:net";\n` +
        `net.connect(${server.port}, "127.0.0.1").on("error", (e) => { throw e; });`,
      listen: `Deno.listen({ port: 0 });`,
      command: `new Deno.Command("/bin/sh", { args: ["-c", "true"] }).outputSync();`,
      childProcess: `import cp from "node:child_process"; cp.execSync("true");`,
      killParent: `Deno.kill(Deno.ppid, "SIGKILL");`,
      env: `console.log(Deno.env.get("GRLO_DENO_SANDBOX_SECRET"));`,
      processEnv: `console.log(process.env.GRLO_DENO_SANDBOX_SECRET);`,
      ffi: `Deno.dlopen("libc.so.6", { getpid: { parameters: [], result: "i32" } });`,
      sys: `console.log(Deno.hostname());`,
      request:
        `const s = await Deno.permissions.request({ name: "read", path: "/etc/passwd" });\n` +
        `console.log(s.state);\nDeno.readTextFileSync("/etc/passwd");`,
    });
    assertDenied(r, {
      fetch: new RegExp(`NotCapable: Requires net access to "127.0.0.1:${server.port}"`),
      connect: new RegExp(`NotCapable: Requires net access to "127.0.0.1:${server.port}"`),
      nodeNet: new RegExp(`NotCapable: Requires net access to "127.0.0.1:${server.port}"`),
      listen: /NotCapable: Requires net access/,
      command: /NotCapable: Requires run access to "\/bin\/sh"/,
      childProcess: /NotCapable: Requires (run|env) access/,
      killParent: /NotCapable: Requires run access/,
      env: /NotCapable: Requires env access to "GRLO_DENO_SANDBOX_SECRET"/,
      processEnv: /NotCapable: Requires env access to "GRLO_DENO_SANDBOX_SECRET"/,
      ffi: /NotCapable: Requires ffi access to "libc.so.6"/,
      sys: /NotCapable: Requires sys access to "hostname"/,
      request: /NotCapable: Requires read access to "\/etc\/passwd"/,
    });
    assert.equal(r.request.stdout, "denied\n", "the request is answered, not prompted");
    assert.ok(!r.env.stdout.includes("hunter2") && !r.processEnv.stdout.includes("hunter2"));
    assert.equal(server.hits(), 0, "nothing reached the host's loopback");
  } finally {
    Deno.env.delete("GRLO_DENO_SANDBOX_SECRET");
    server.close();
  }
});

Deno.test("runDenoSandboxed() ends an infinite loop, memory bombs and a flood of output with their reason", async () => {
  const [loop, heap, buffers, wasm, output] = await Promise.all([
    runDenoSandboxed("while (true) {}", { timeoutMs: 2000 }),
    runDenoSandboxed("const a = []; while (true) a.push(new Array(1000).fill(1.5));", {
      ...OPTS,
      heapMb: 128,
    }),
    // ArrayBuffers live outside V8's heap: the resident-memory watchdog ends this one.
    runDenoSandboxed("const a = []; while (true) a.push(new Uint8Array(2 ** 26).fill(1));", {
      ...OPTS,
      heapMb: 128,
    }),
    runDenoSandboxed(
      "const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 });\n" +
        "while (true) { m.grow(1024); new Uint8Array(m.buffer).fill(1); }",
      { ...OPTS, heapMb: 128 },
    ),
    runDenoProgram("while (true) console.log('y'.repeat(65536));", {
      ...OPTS,
      maxOutputBytes: 4096,
    }),
  ]);
  assert.deepEqual([loop.passed, loop.reason], [false, "timeout"]);
  assert.deepEqual([heap.passed, heap.reason], [false, "memory"], heap.detail);
  assert.deepEqual([buffers.passed, buffers.reason], [false, "memory"], buffers.detail);
  assert.deepEqual([wasm.passed, wasm.reason], [false, "memory"], wasm.detail);
  assert.deepEqual([output.passed, output.reason], [false, "output limit"]);
  assert.equal(output.stdout.length, 4096);
});

Deno.test("runDenoSandboxed() leaves no process and no work dir behind, however the program ends", async () => {
  const root = await Deno.makeTempDir({ prefix: "deno-sandbox-root-" });
  const before = Deno.env.get("GRLO_SANDBOX_TMPDIR");
  Deno.env.set("GRLO_SANDBOX_TMPDIR", root);
  try {
    // It cannot spawn a grandchild; its pending timer keeps it alive until the kill.
    const [hang, done] = await Promise.all([
      runDenoProgram(
        "console.log(Deno.pid);\n" +
          "try { new Deno.Command('/bin/sleep', { args: ['3600'] }).spawn(); }\n" +
          "catch (e) { console.log(e.name); }\nsetTimeout(() => {}, 3_600_000);",
        { timeoutMs: 2000 },
      ),
      runDenoProgram("console.log(Deno.pid, Deno.cwd());", OPTS),
    ]);
    assert.equal(hang.reason, "timeout");
    const [pid, spawnError] = hang.stdout.trim().split("\n");
    assert.equal(spawnError, "NotCapable");
    assert.equal(await Deno.stat(`/proc/${pid}`).then(() => true, () => false), false);
    assert.equal(done.reason, "ok");
    const [, cwd] = done.stdout.trim().split(" ");
    assert.ok(cwd.startsWith(join(root, "grlo-deno-")), `cwd ${cwd} is a fresh dir in the root`);
    assert.deepEqual([...Deno.readDirSync(root)], [], "the work dirs are removed");
  } finally {
    if (before === undefined) Deno.env.delete("GRLO_SANDBOX_TMPDIR");
    else Deno.env.set("GRLO_SANDBOX_TMPDIR", before);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("without bubblewrap the TypeScript judge runs in the Deno sandbox and Python is still refused", async () => {
  const lib = (name: string) =>
    JSON.stringify(new URL(`../../../lib/reward/code/${name}`, import.meta.url).href);
  const program = (answer: string) =>
    `function add(x: number, y: number): number {\n  return ${answer};\n}\n\n` +
    `declare var require: any;\nconst assert = require('node:assert');\n` +
    `function test() {\n  let candidate = add;\n  assert.deepEqual(candidate(2, 3), 5);\n}\n\ntest();\n`;
  const script = `
    import { runTypeScriptProgram } from ${lib("typescript.ts")};
    import { runPythonScript } from ${lib("python.ts")};
    const ts = await Promise.all([${JSON.stringify(program("x + y"))}, ${
    JSON.stringify(program("x - y"))
  },
      "declare var require: any; require('fs').readFileSync('/etc/passwd');"]
      .map((p) => runTypeScriptProgram(p)));
    let python;
    try {
      python = await runPythonScript("print(1)");
    } catch (e) {
      python = { error: e.name, message: e.message };
    }
    console.log(JSON.stringify({ ts, python }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    env: { GRLO_SANDBOX_BWRAP: "/nonexistent/bwrap" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const { ts, python } = JSON.parse(new TextDecoder().decode(out.stdout).trim());
  const [good, bad, read] = ts;
  assert.deepEqual([good.passed, good.reason, good.sandboxed], [true, "ok", true], good.detail);
  assert.match(good.detail, /^no bubblewrap \(missing: bwrap.*\): ran in the Deno sandbox/);
  assert.deepEqual([bad.passed, bad.reason], [false, "failed: AssertionError"]);
  assert.deepEqual([read.passed, read.reason], [false, "exit code 1"]);
  assert.match(read.detail, /NotCapable: Requires read access to "\/etc\/passwd"/);
  assert.match(stderr, /NOTE: no bubblewrap sandbox .*Deno permission sandbox/);
  assert.equal(python.error, "SandboxUnavailableError");
  assert.match(python.message, /refusing to run untrusted code without a sandbox: missing: bwrap/);
});
