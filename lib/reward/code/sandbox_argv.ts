/**
 * The command line that runs one command under bubblewrap with resource limits.
 *
 * Layout inside the sandbox: `/usr` read-only (with the merged-usr symlinks `/lib`, `/lib64`,
 * `/bin`, `/sbin`, and Debian's `/etc/alternatives` symlinks), a fresh `/proc`, a minimal read-only `/dev` (its `/dev/shm` a 1 MiB
 * tmpfs), a 64 MiB `/tmp`, the per-task work dir read-write at `/work` (the current
 * directory), extra read-only binds (the `typescript` package, an interpreter prefix), and
 * nothing else: no other `/etc`, no `/home`, no project directory, a read-only root. All namespaces
 * are new (`--unshare-all`: no network), the environment is cleared, the process starts a
 * new session and dies with the launcher, and it cannot create further user namespaces.
 *
 * Limits: `prlimit` inside sets RLIMIT_NPROC, RLIMIT_AS, RLIMIT_CPU (soft, hard +1 s so the
 * soft limit's SIGXCPU is seen), RLIMIT_FSIZE and no core files. `RLIMIT_NPROC` is ignored
 * for uid 0, so as root the launcher first drops to uid/gid 65534 with `setpriv` (no
 * supplementary groups, no-new-privs) and bubblewrap then runs unprivileged in its own user
 * namespace. Since kernel 5.14 RLIMIT_NPROC counts processes per user namespace, so a fork
 * bomb in one sandbox does not starve sandboxes running beside it. `timeout -s KILL` is a
 * backstop that ends the sandbox even if the harness itself dies; it also makes the
 * launcher a process-group leader, so the harness can kill the whole group.
 *
 * @module
 */

import { dirname } from "node:path";
import type { Bind, SandboxEnv } from "./sandbox_env.ts";

/** The uid and gid untrusted code runs as when the harness is root (`nobody`). */
export const SANDBOX_UID = 65534;

const ALTERNATIVES = "/etc/alternatives";

/** Where the per-task work dir appears inside the sandbox. */
export const WORK_DIR = "/work";

/** Resource limits of one sandboxed command. */
export interface SandboxLimits {
  /** Wall-clock limit in milliseconds; the whole sandbox is killed when it passes. */
  timeoutMs: number;
  /** RLIMIT_CPU in seconds. @default ceil(timeoutMs / 1000) + 1 */
  cpuSeconds?: number;
  /** RLIMIT_AS (address space) in bytes. @default 4 GiB (evalplus's limit) */
  memoryBytes?: number;
  /** RLIMIT_NPROC: processes and threads. @default 64 */
  maxProcesses?: number;
  /** RLIMIT_FSIZE: largest file the code may write, in bytes. @default 16 MiB */
  maxFileBytes?: number;
  /** Bytes kept from each of stdout and stderr; more kills the sandbox. @default 1 MiB */
  maxOutputBytes?: number;
}

/** The defaults of {@link SandboxLimits} (all but the wall-clock limit). */
export const DEFAULT_LIMITS = {
  memoryBytes: 4 * 1024 ** 3,
  maxProcesses: 64,
  maxFileBytes: 16 * 1024 ** 2,
  maxOutputBytes: 1024 ** 2,
} as const;

/** Everything {@link sandboxArgv} needs besides the command. */
export interface ArgvOptions {
  /** Host path of the per-task work dir (bound read-write at {@link WORK_DIR}). */
  workDir: string;
  /** Extra read-only binds. */
  binds: Bind[];
  /** Environment variables (the rest is cleared; PATH, HOME and LANG have defaults). */
  env: Record<string, string>;
  /** The limits. */
  limits: SandboxLimits;
  /** Seconds after which `timeout` kills the sandbox even if the harness did not. */
  backstopSeconds: number;
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = dirname(path); p !== "/" && p !== "."; p = dirname(p)) out.unshift(p);
  return out;
}

/**
 * Builds the launcher command line for `argv` under bubblewrap.
 *
 * @param argv the command to run inside (absolute binary path first)
 * @param env the machine's tools (from `sandboxEnv()`); bwrap, prlimit and timeout must exist
 * @param o work dir, binds, environment, limits
 * @returns the full command line (its first element is the program to spawn)
 */
export function sandboxArgv(argv: string[], env: SandboxEnv, o: ArgvOptions): string[] {
  if (env.bwrap === null || env.prlimit === null || env.timeout === null) {
    throw new Error(`sandboxArgv: ${env.missing ?? "sandbox tools missing"}`);
  }
  const l = o.limits;
  const cpu = l.cpuSeconds ?? Math.ceil(l.timeoutMs / 1000) + 1;
  const out: string[] = [];
  if (env.isRoot) {
    if (env.setpriv === null) throw new Error("sandboxArgv: setpriv is required as root");
    out.push(
      env.setpriv,
      `--reuid=${SANDBOX_UID}`,
      `--regid=${SANDBOX_UID}`,
      "--clear-groups",
      "--no-new-privs",
      "--",
    );
  }
  out.push(env.timeout, "-s", "KILL", `${o.backstopSeconds}s`);
  out.push(
    env.bwrap,
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--clearenv",
    "--ro-bind",
    "/usr",
    "/usr",
  );
  for (const l of ["lib", "lib64", "bin", "sbin"]) out.push("--symlink", `usr/${l}`, `/${l}`);
  // Debian resolves some libraries through /etc/alternatives (numpy's libblas.so.3): only
  // those symlinks are visible, nothing else of /etc.
  out.push("--perms", "0755", "--dir", "/etc", "--ro-bind-try", ALTERNATIVES, ALTERNATIVES);
  out.push("--proc", "/proc", "--dev", "/dev");
  out.push("--size", String(1024 ** 2), "--tmpfs", "/dev/shm", "--remount-ro", "/dev");
  out.push("--size", String(64 * 1024 ** 2), "--tmpfs", "/tmp");
  out.push("--bind", o.workDir, WORK_DIR);
  const made = new Set<string>();
  for (const b of o.binds) {
    for (const dir of ancestors(b.target)) {
      if (made.has(dir) || dir === "/usr" || dir.startsWith("/usr/")) continue;
      made.add(dir);
      out.push("--perms", "0755", "--dir", dir);
    }
    out.push("--ro-bind", b.source, b.target);
  }
  out.push("--chdir", WORK_DIR, "--remount-ro", "/");
  const vars = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: WORK_DIR, LANG: "C.UTF-8", ...o.env };
  for (const [k, v] of Object.entries(vars)) out.push("--setenv", k, v);
  out.push("--", ...prlimitArgv(env.prlimit, l, cpu), ...argv);
  return out;
}

/**
 * The `prlimit` prefix that applies the limits (also used unsandboxed).
 *
 * @param prlimit path of prlimit
 * @param l the limits
 * @param cpu RLIMIT_CPU soft limit in seconds
 * @returns `prlimit --nproc=... --as=... --cpu=S:S+1 --fsize=... --core=0 --`
 */
export function prlimitArgv(prlimit: string, l: SandboxLimits, cpu: number): string[] {
  return [
    prlimit,
    `--nproc=${l.maxProcesses ?? DEFAULT_LIMITS.maxProcesses}`,
    `--as=${l.memoryBytes ?? DEFAULT_LIMITS.memoryBytes}`,
    `--cpu=${cpu}:${cpu + 1}`,
    `--fsize=${l.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes}`,
    "--core=0",
    "--",
  ];
}
