// Hostile programs in Python and TypeScript/JavaScript: none may read or write outside its
// sandbox, reach the network, outlive its time limit or hurt the harness; each is reported
// as a failure with its reason.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runSandboxed } from "../../../lib/reward/code/sandbox.ts";
import { pythonInterpreter } from "../../../lib/reward/code/sandbox_env.ts";
import { runHumanEvalProgram, runPythonScript } from "../../../lib/reward/code/python.ts";
import { runJavaScript, runTypeScriptProgram } from "../../../lib/reward/code/typescript.ts";
import { closeSharedTscService } from "../../../lib/reward/code/tsc_service.ts";
import { listen } from "./_listener.ts";

const PROJECT = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));
const HOME = Deno.env.get("HOME") ?? "/root";
const isRoot = Deno.uid() === 0;

/**
 * A process outside any sandbox that a kill(-1) escaping the sandbox's pid namespace would
 * reach: sandboxed code runs as uid 65534 when the harness is root (so a process of that
 * uid), as the harness's own user otherwise (so a process of this user).
 */
function sentinel(): Deno.ChildProcess {
  const argv = isRoot
    ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "60"]
    : ["sleep", "60"];
  return new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null", stderr: "null" })
    .spawn();
}

/** Whether `child` is still running (it has not exited within 200 ms). */
async function alive(child: Deno.ChildProcess): Promise<boolean> {
  const done = await Promise.race([
    child.status.then(() => true),
    new Promise((r) => setTimeout(() => r(false), 200)),
  ]);
  return !done;
}

async function processesMatching(text: string): Promise<number> {
  const ps = await new Deno.Command("ps", { args: ["-eo", "args"] }).output();
  return new TextDecoder().decode(ps.stdout).split("\n").filter((l) => l.includes(text)).length;
}

Deno.test("Python: hostile reads, writes, network, process spawning and env snooping all fail", async () => {
  const server = listen();
  Deno.env.set("GRLO_ADVERSARIAL_SECRET", "hunter2");
  const pwned = join(PROJECT, "PWNED_BY_PYTHON");
  try {
    const attacks: Record<string, string> = {
      shadow: "print(open('/etc/shadow').read())",
      project: `print(open(${JSON.stringify(join(PROJECT, "deno.json"))}).read())`,
      home: `import os; print(os.listdir(${JSON.stringify(HOME)}))`,
      write: `open(${JSON.stringify(pwned)}, 'w').write('x')`,
      loopback: `import socket; socket.create_connection(('127.0.0.1', ${server.port}), timeout=1)`,
      internet: "import socket; socket.create_connection(('1.1.1.1', 80), timeout=1)",
      spawn: "import subprocess; subprocess.run(['cat', '/etc/shadow'], check=True)",
      env: "import os; assert os.environ.get('GRLO_ADVERSARIAL_SECRET') == 'hunter2'",
      setuid: "import os; os.setuid(0)",
      userns: "import subprocess; subprocess.run(['unshare', '-U', 'true'], check=True)",
      procRoot: "print(open('/proc/1/root/etc/shadow').read())",
    };
    const names = Object.keys(attacks);
    const results = await Promise.all(
      names.map((n) => runPythonScript(attacks[n], { timeoutS: 5 })),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(r.passed, false, `${names[i]} succeeded: ${r.stdout}`);
      assert.equal(r.reason, "exit code 1", `${names[i]}: ${r.reason}`);
      assert.equal(r.sandboxed, true);
    }
    assert.match(results[names.indexOf("shadow")].stderr, /FileNotFoundError/);
    assert.match(results[names.indexOf("loopback")].stderr, /OSError|unreachable|refused/i);
    assert.equal(server.hits(), 0, "nothing reached the host's loopback");
    assert.equal(await Deno.stat(pwned).then(() => true, () => false), false);
  } finally {
    Deno.env.delete("GRLO_ADVERSARIAL_SECRET");
    server.close();
  }
});

Deno.test("Python: fork bomb, infinite loop, memory bomb and huge output end with their reason", async () => {
  const py = pythonInterpreter().path;
  const tag = `bomb_${crypto.randomUUID().slice(0, 8)}.py`;
  const [bomb, loop, memory, output] = await Promise.all([
    runSandboxed([py, tag], {
      timeoutMs: 3000,
      files: {
        [tag]:
          "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
      },
    }),
    runHumanEvalProgram("while True:\n    pass\n"),
    runHumanEvalProgram("x = [0] * (10 ** 10)\n"),
    runPythonScript("import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n", {
      timeoutS: 10,
    }),
  ]);
  assert.equal(bomb.reason, "timeout");
  assert.equal(await processesMatching(tag), 0, "no process of the fork bomb survives");
  assert.deepEqual([loop.passed, loop.reason], [false, "timeout"]);
  assert.deepEqual([memory.passed, memory.reason], [false, "memory"]);
  assert.deepEqual([output.passed, output.reason], [false, "output limit"]);
});

Deno.test("Python: killing the parent or every process stays inside the sandbox", async () => {
  const watcher = sentinel();
  try {
    const [ppid, all, pkill, heExit, heOsExit] = await Promise.all([
      runPythonScript(
        "import os, time\nos.kill(os.getppid(), 9)\ntime.sleep(0.5)\nraise SystemExit(3)",
        { timeoutS: 5 },
      ),
      runPythonScript("import os\nos.kill(-1, 9)\n", { timeoutS: 5 }),
      runPythonScript(
        "import subprocess\nsubprocess.run(['pkill', '-9', '-f', 'deno'])\nraise SystemExit(4)",
        {
          timeoutS: 5,
        },
      ),
      runHumanEvalProgram("import sys\nsys.exit(0)\n"),
      runHumanEvalProgram("import os\nos._exit(0)\n"),
    ]);
    assert.equal(ppid.reason, "exit code 3", "pid 1 of the sandbox ignores the kill");
    assert.equal(all.passed, false);
    assert.match(all.reason, /signal 9|exit code/);
    assert.equal(pkill.reason, "exit code 4", "pkill sees no process of the harness");
    assert.deepEqual([heExit.passed, heExit.reason], [false, "failed: SystemExit"]);
    assert.deepEqual([heOsExit.passed, heOsExit.reason], [false, "no verdict"]);
    assert.ok(await alive(watcher), "a process of the sandbox's uid outside it survives kill(-1)");
  } finally {
    watcher.kill("SIGKILL");
    await watcher.status;
  }
});

Deno.test("the harness never follows a symlink the code leaves in its work dir", async () => {
  const r = await runSandboxed(["/bin/sh", "-c", "ln -s /etc/hostname out.txt"], {
    timeoutMs: 5000,
    collect: ["out.txt"],
  });
  assert.equal(r.reason, "ok");
  assert.equal(r.files["out.txt"], undefined);
});

const TS_HEAD = "declare var require: any;\ndeclare var process: any;\n";

Deno.test("TypeScript: hostile reads, writes, network and process spawning fail at run time", async () => {
  const server = listen();
  const pwned = join(PROJECT, "PWNED_BY_TS");
  try {
    const attacks: Record<string, string> = {
      shadow: "require('fs').readFileSync('/etc/shadow');",
      project: `require('fs').readFileSync(${JSON.stringify(join(PROJECT, "deno.json"))});`,
      home: `require('fs').readdirSync(${JSON.stringify(HOME)});`,
      write: `require('fs').writeFileSync(${JSON.stringify(pwned)}, 'x');`,
      spawn: "require('child_process').execSync('cat /etc/shadow', { stdio: 'pipe' });",
      loopback: `const s = require('net').connect(${server.port}, '127.0.0.1');
        s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1));`,
    };
    const names = Object.keys(attacks);
    const results = await Promise.all(
      names.map((n) => runTypeScriptProgram(TS_HEAD + attacks[n] + "\n", { timeoutS: 5 })),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(r.passed, false, `${names[i]} succeeded`);
      assert.equal(r.reason, "exit code 1", `${names[i]}: ${r.reason} ${r.detail}`);
    }
    assert.match(results[names.indexOf("shadow")].detail, /ENOENT/);
    assert.equal(server.hits(), 0);
    assert.equal(await Deno.stat(pwned).then(() => true, () => false), false);
  } finally {
    server.close();
    await closeSharedTscService();
  }
});

Deno.test("TypeScript: compile-time reads of host files fail inside the compiler's sandbox", async () => {
  try {
    const [ref, imp] = await Promise.all([
      runTypeScriptProgram(
        `/// <reference path="${join(PROJECT, "lib/eval/suite.ts")}" />\nconst x = 1;\n`,
      ),
      runTypeScriptProgram(
        `import * as s from "${join(PROJECT, "lib/eval/suite.ts")}";\nconsole.log(s);\n`,
      ),
    ]);
    assert.deepEqual([ref.passed, ref.reason], [false, "compile error"]);
    assert.match(ref.detail, /Could not resolve the path|not found/i);
    assert.deepEqual([imp.passed, imp.reason], [false, "compile error"]);
    assert.match(imp.detail, /Cannot find module/);
  } finally {
    await closeSharedTscService();
  }
});

Deno.test("JavaScript: fork bomb, infinite loop, memory bomb, huge output and kills end with their reason", async () => {
  const watcher = sentinel();
  try {
    const [bomb, loop, memory, output, killParent, killAll] = await Promise.all([
      runJavaScript(
        "const cp = require('child_process');\n" +
          "for (;;) { try { cp.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']); } catch {} }\n",
        { timeoutS: 3 },
      ),
      runJavaScript("for (;;) {}\n", { timeoutS: 2 }),
      runJavaScript("const a = []; for (;;) a.push(Buffer.alloc(1e8, 1));\n", {
        timeoutS: 20,
        memoryBytes: 1 << 30,
      }),
      runJavaScript("const fs = require('fs'); for (;;) fs.writeSync(1, 'z'.repeat(65536));\n", {
        timeoutS: 10,
      }),
      runJavaScript(
        "process.kill(process.ppid, 'SIGKILL'); setTimeout(() => process.exit(5), 300);\n",
        {
          timeoutS: 5,
        },
      ),
      runJavaScript("process.kill(-1, 'SIGKILL');\n", { timeoutS: 5 }),
    ]);
    assert.deepEqual([bomb.passed, bomb.reason], [false, "timeout"]);
    assert.deepEqual([loop.passed, loop.reason], [false, "timeout"]);
    assert.equal(memory.passed, false);
    assert.match(
      memory.reason,
      /^(memory|signal 6 \(SIGABRT\)|signal 5 \(SIGTRAP\))$/,
      memory.detail,
    );
    assert.deepEqual([output.passed, output.reason], [false, "output limit"]);
    assert.equal(killParent.reason, "exit code 5", "pid 1 of the sandbox ignores the kill");
    assert.equal(killAll.passed, false);
    assert.ok(await alive(watcher), "a process of the sandbox's uid outside it survives kill(-1)");
  } finally {
    watcher.kill("SIGKILL");
    await watcher.status;
  }
});
