import assert from "node:assert/strict";
import { sandboxArgv } from "../../../lib/reward/code/sandbox_argv.ts";
import { runSandboxed } from "../../../lib/reward/code/sandbox.ts";
import { pythonInterpreter, type SandboxEnv } from "../../../lib/reward/code/sandbox_env.ts";
import { classifyEnding } from "../../../lib/reward/code/verdict.ts";

const TOOLS: SandboxEnv = {
  bwrap: "/usr/bin/bwrap",
  setpriv: "/usr/bin/setpriv",
  prlimit: "/usr/bin/prlimit",
  timeout: "/usr/bin/timeout",
  isRoot: true,
  missing: null,
};
const OPTS = {
  workDir: "/tmp/w",
  binds: [{ source: "/host/ts", target: "/opt/typescript" }],
  env: {},
  limits: { timeoutMs: 3000, memoryBytes: 1 << 30, maxProcesses: 32, maxFileBytes: 1 << 20 },
  backstopSeconds: 5,
};

Deno.test("sandboxArgv() as root drops to uid 65534 before bwrap and applies the limits inside", () => {
  const a = sandboxArgv(["/usr/bin/python3", "x.py"], TOOLS, OPTS);
  assert.deepEqual(a.slice(0, 6), [
    "/usr/bin/setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "--no-new-privs",
    "--",
  ]);
  assert.deepEqual(a.slice(6, 10), ["/usr/bin/timeout", "-s", "KILL", "5s"]);
  const bw = a.slice(10);
  assert.equal(bw[0], "/usr/bin/bwrap");
  for (
    const flag of [
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      "--die-with-parent",
      "--new-session",
      "--clearenv",
    ]
  ) assert.ok(bw.includes(flag), flag);
  const text = bw.join(" ");
  assert.match(text, /--ro-bind \/usr \/usr --symlink usr\/lib \/lib --symlink usr\/lib64 \/lib64/);
  assert.match(text, /--proc \/proc --dev \/dev/);
  assert.match(text, /--tmpfs \/tmp/);
  assert.match(text, /--bind \/tmp\/w \/work/);
  assert.match(text, /--perms 0755 --dir \/opt --ro-bind \/host\/ts \/opt\/typescript/);
  assert.match(text, /--chdir \/work --remount-ro \//);
  const dash = bw.indexOf("--");
  assert.deepEqual(bw.slice(dash + 1), [
    "/usr/bin/prlimit",
    "--nproc=32",
    `--as=${1 << 30}`,
    "--cpu=4:5",
    `--fsize=${1 << 20}`,
    "--core=0",
    "--",
    "/usr/bin/python3",
    "x.py",
  ]);
  // Nothing of the host but /usr, the work dir and the named binds is mounted.
  const sources = bw.flatMap((x, i) => x.match(/^--(ro-)?bind(-try)?$/) ? [bw[i + 1]] : []);
  assert.deepEqual(sources, ["/usr", "/etc/alternatives", "/tmp/w", "/host/ts"]);
});

Deno.test("sandboxArgv() as a normal user runs bwrap directly (no uid switch)", () => {
  const a = sandboxArgv(["/usr/bin/true"], { ...TOOLS, isRoot: false, setpriv: null }, OPTS);
  assert.equal(a[0], "/usr/bin/timeout");
  assert.ok(!a.includes("/usr/bin/setpriv"));
});

Deno.test("classifyEnding() names timeouts, output and memory limits, signals and exit codes", () => {
  const e = { code: 0, signal: null, timedOut: false, outputLimited: false, stderr: "" };
  assert.equal(classifyEnding(e).reason, "ok");
  assert.equal(classifyEnding({ ...e, code: 2 }).reason, "exit code 2");
  assert.equal(
    classifyEnding({ ...e, code: 137, signal: "SIGKILL", timedOut: true }).reason,
    "timeout",
  );
  assert.equal(classifyEnding({ ...e, code: 137, outputLimited: true }).reason, "output limit");
  assert.equal(classifyEnding({ ...e, code: 1, stderr: "MemoryError\n" }).reason, "memory");
  const deno = "\n#\n# Fatal JavaScript out of memory: Reached heap limit\n#\n";
  assert.equal(classifyEnding({ ...e, code: 133, stderr: deno }).reason, "memory");
  assert.equal(classifyEnding({ ...e, code: 152 }).reason, "cpu time limit");
  assert.equal(classifyEnding({ ...e, code: 153 }).reason, "file size limit");
  assert.equal(classifyEnding({ ...e, code: 134 }).reason, "signal 6 (SIGABRT)");
});

const py = () => pythonInterpreter().path;

Deno.test("runSandboxed() runs as an unprivileged user in /work, sees only /usr, and cleans up", async () => {
  const root = await Deno.makeTempDir({ prefix: "sandbox-test-root-" });
  await Deno.chmod(root, 0o711); // uid 65534 must be able to reach the work dirs inside
  const before = Deno.env.get("GRLO_SANDBOX_TMPDIR");
  Deno.env.set("GRLO_SANDBOX_TMPDIR", root);
  try {
    const r = await runSandboxed([py(), "main.py"], {
      timeoutMs: 10_000,
      files: {
        "main.py": [
          "import os, json",
          "open('out.txt', 'w').write('written')",
          "print(json.dumps({'uid': os.getuid(), 'cwd': os.getcwd(), 'root': sorted(os.listdir('/')),",
          "  'env': sorted(os.environ), 'files': sorted(os.listdir('.')),",
          "  'etc': sorted(os.listdir('/etc'))}))",
        ].join("\n"),
      },
      collect: ["out.txt", "missing.txt"],
    });
    assert.equal(r.reason, "ok", r.stderr);
    const seen = JSON.parse(r.stdout);
    if (Deno.uid() === 0) assert.equal(seen.uid, 65534);
    assert.equal(seen.cwd, "/work");
    assert.deepEqual(seen.root, [
      "bin",
      "dev",
      "etc",
      "lib",
      "lib64",
      "proc",
      "sbin",
      "tmp",
      "usr",
      "work",
    ]);
    assert.deepEqual(seen.env.filter((k: string) => !["LC_CTYPE", "PWD"].includes(k)), [
      "HOME",
      "LANG",
      "PATH",
    ]);
    assert.deepEqual(seen.files, ["main.py", "out.txt"]);
    const alternatives = await Deno.stat("/etc/alternatives").then(() => true, () => false);
    assert.deepEqual(seen.etc, alternatives ? ["alternatives"] : []);
    assert.equal(new TextDecoder().decode(r.files["out.txt"]), "written");
    assert.equal(r.files["missing.txt"], undefined);
    assert.equal(r.sandboxed, true);
    assert.deepEqual([...Deno.readDirSync(root)], [], "the work dir is removed");
  } finally {
    if (before === undefined) Deno.env.delete("GRLO_SANDBOX_TMPDIR");
    else Deno.env.set("GRLO_SANDBOX_TMPDIR", before);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runSandboxed() kills the whole sandbox at the wall-clock limit, background children too", async () => {
  // The sleeps last over an hour: that runSandboxed() returns at all shows the kill.
  const marker = 4000 + Math.floor(Math.random() * 1000);
  const r = await runSandboxed(["/bin/sh", "-c", `setsid sleep ${marker} & sleep ${marker}`], {
    timeoutMs: 1000,
  });
  assert.equal(r.reason, "timeout");
  const ps = await new Deno.Command("ps", { args: ["-eo", "args"] }).output();
  assert.ok(!new TextDecoder().decode(ps.stdout).includes(`sleep ${marker}`), "no survivor");
});

Deno.test("runSandboxed() reports output, memory, CPU, file-size limits and signals", async () => {
  const [out, mem, cpu, fsize, sig] = await Promise.all([
    runSandboxed([py(), "-c", "while True: print('x' * 1000)"], {
      timeoutMs: 10_000,
      maxOutputBytes: 4096,
    }),
    runSandboxed([py(), "-c", "x = bytearray(3 * 2**30)"], {
      timeoutMs: 10_000,
      memoryBytes: 1 << 30,
    }),
    runSandboxed([py(), "-c", "while True: pass"], { timeoutMs: 10_000, cpuSeconds: 1 }),
    runSandboxed(["/bin/sh", "-c", "head -c 5000000 /dev/zero > big"], {
      timeoutMs: 10_000,
      maxFileBytes: 1 << 20,
    }),
    runSandboxed(["/bin/sh", "-c", "kill -SEGV $$"], { timeoutMs: 10_000 }),
  ]);
  assert.equal(out.reason, "output limit");
  assert.equal(out.stdout.length, 4096);
  assert.equal(mem.reason, "memory");
  assert.equal(cpu.reason, "cpu time limit");
  assert.equal(fsize.reason, "file size limit");
  assert.equal(sig.reason, "signal 11 (SIGSEGV)");
});

async function runChild(env: Record<string, string>, allow: boolean) {
  const script = `
    import { runSandboxed } from ${
    JSON.stringify(new URL("../../../lib/reward/code/sandbox.ts", import.meta.url).href)
  };
    try {
      const r = await runSandboxed(["/bin/sh", "-c", "echo hi"], { timeoutMs: 5000, allowUnsandboxed: ${allow} });
      console.log(JSON.stringify({ reason: r.reason, sandboxed: r.sandboxed, stdout: r.stdout }));
    } catch (e) {
      console.log(JSON.stringify({ error: e.name, message: e.message }));
    }`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    result: JSON.parse(new TextDecoder().decode(out.stdout).trim()),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("without bubblewrap untrusted code is refused unless allowUnsandboxed, which warns", async () => {
  const env = { GRLO_SANDBOX_BWRAP: "/nonexistent/bwrap" };
  const refused = await runChild(env, false);
  assert.equal(refused.result.error, "SandboxUnavailableError");
  assert.match(
    refused.result.message,
    /refusing to run untrusted code without a sandbox: missing: bwrap/,
  );
  const allowed = await runChild(env, true);
  assert.deepEqual(allowed.result, { reason: "ok", sandboxed: false, stdout: "hi\n" });
  assert.match(allowed.stderr, /WARNING: running untrusted code WITHOUT a sandbox/);
});
