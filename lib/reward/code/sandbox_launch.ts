/**
 * Starting one command in a fresh sandbox: the per-task work dir (created in the sandbox
 * temp dir, outside the project, owned by uid 65534 when root), the launcher command line,
 * and a kill switch for the whole process group. Without a sandbox (`allowUnsandboxed`) the
 * same command runs directly in the work dir, with prlimit and timeout when present.
 *
 * @module
 */

import { join } from "node:path";
import { sandboxEnv, sandboxTempRoot, worldSearchable } from "./sandbox_env.ts";
import { prlimitArgv, SANDBOX_UID, sandboxArgv, WORK_DIR } from "./sandbox_argv.ts";
import type { SandboxOptions } from "./sandbox.ts";
import { killProcessGroup, trackChild } from "./_child_process.ts";

/** A launched sandbox: its process, work dir and a kill switch. */
export interface Launched {
  /** The launcher process. */
  child: Deno.ChildProcess;
  /** Host path of the work dir. */
  workDir: string;
  /** Whether it runs inside bubblewrap. */
  sandboxed: boolean;
  /** Kills the whole process group (idempotent). */
  kill(): void;
  /** Removes the work dir (after the process ended). */
  cleanup(): Promise<void>;
}

/**
 * Starts `argv` in a new sandbox (or directly, when `sandboxed` is false).
 *
 * @param argv the command inside
 * @param o limits, files, binds, environment
 * @param sandboxed run under bubblewrap
 * @param stdin `"null"` for untrusted programs, `"piped"` for services
 * @returns the running process and its work dir
 */
export async function launch(
  argv: string[],
  o: SandboxOptions,
  sandboxed: boolean,
  stdin: "null" | "piped",
): Promise<Launched> {
  const env = sandboxEnv();
  const tmpRoot = sandboxTempRoot();
  if (sandboxed && env.isRoot && !worldSearchable(tmpRoot)) {
    throw new Error(
      `the sandbox temp dir ${tmpRoot} (GRLO_SANDBOX_TMPDIR, else TMPDIR, else /tmp) must be ` +
        `searchable by uid 65534 (every directory on its path o+x)`,
    );
  }
  const workDir = await Deno.makeTempDir({ dir: tmpRoot, prefix: "grlo-sandbox-" });
  for (const [name, content] of Object.entries(o.files ?? {})) {
    if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) {
      throw new Error(`sandbox file name must be a plain file name, got "${name}"`);
    }
    const path = join(workDir, name);
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
    await Deno.chmod(path, 0o644);
  }
  if (sandboxed && env.isRoot) await Deno.chown(workDir, SANDBOX_UID, SANDBOX_UID);
  const backstop = Math.ceil(o.timeoutMs / 1000) + 2;
  let cmd: string[];
  if (sandboxed) {
    cmd = sandboxArgv(argv, env, {
      workDir,
      binds: o.binds ?? [],
      env: o.env ?? {},
      limits: o,
      backstopSeconds: backstop,
    });
  } else {
    // Unsandboxed: the same paths, mapped to the host, with whatever limits we can set.
    const map = (a: string) => {
      if (a === WORK_DIR || a.startsWith(`${WORK_DIR}/`)) return workDir + a.slice(WORK_DIR.length);
      for (const b of o.binds ?? []) {
        if (a === b.target || a.startsWith(`${b.target}/`)) {
          return b.source + a.slice(b.target.length);
        }
      }
      return a;
    };
    const cpu = o.cpuSeconds ?? Math.ceil(o.timeoutMs / 1000) + 1;
    cmd = [
      ...(env.timeout ? [env.timeout, "-s", "KILL", `${backstop}s`] : []),
      ...(env.prlimit ? prlimitArgv(env.prlimit, o, cpu) : []),
      ...argv.map(map),
    ];
  }
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: sandboxed ? undefined : workDir,
    clearEnv: true,
    env: sandboxed
      ? { PATH: "/usr/bin:/bin" }
      : { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: workDir, LANG: "C.UTF-8", ...o.env },
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  child.status.then(() => killed = true, () => killed = true); // never signal a reaped pid
  const kill = () => {
    if (killed) return;
    killed = true;
    killProcessGroup(child); // the group that `timeout` leads
  };
  const untrack = trackChild(workDir, kill);
  const cleanup = async () => {
    untrack();
    try {
      await Deno.remove(workDir, { recursive: true });
    } catch {
      await makeRemovable(workDir); // the code may have left unwritable directories
      await Deno.remove(workDir, { recursive: true }).catch(() => {});
    }
  };
  return { child, workDir, sandboxed, kill, cleanup };
}

async function makeRemovable(dir: string): Promise<void> {
  try {
    await Deno.chmod(dir, 0o700);
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await makeRemovable(join(dir, e.name));
    }
  } catch {
    // best effort
  }
}
