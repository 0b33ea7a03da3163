/**
 * What the code sandbox needs from this machine, found once per process: bubblewrap,
 * setpriv, prlimit and timeout (util-linux, coreutils), the interpreters (`python3`, `node`)
 * and the npm `typescript` package, plus whether we run as root.
 *
 * `GRLO_SANDBOX_BWRAP` names another bubblewrap binary. Interpreters are taken from `/usr` (bound read-only into every sandbox) when present, so
 * the sandbox needs no other host path; `GRLO_SANDBOX_PYTHON` / `GRLO_SANDBOX_NODE` name
 * another binary, whose install prefix is then bound read-only at the same path.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";

/** A read-only bind mount: a host path and where the sandbox sees it. */
export interface Bind {
  /** Host path. */
  source: string;
  /** Path inside the sandbox. */
  target: string;
}

/** An interpreter usable inside the sandbox. */
export interface Interpreter {
  /** Absolute path of the binary (the same inside and outside the sandbox). */
  path: string;
  /** Extra read-only binds it needs (its install prefix when it lives outside /usr). */
  binds: Bind[];
}

/** The machine's sandbox tooling, or why it is missing. */
export interface SandboxEnv {
  /** Absolute paths of the launcher tools, or null when one is missing. */
  bwrap: string | null;
  setpriv: string | null;
  prlimit: string | null;
  timeout: string | null;
  /** Running as uid 0: the sandbox then drops to uid/gid 65534 with setpriv. */
  isRoot: boolean;
  /** Why untrusted code cannot be sandboxed here (null when it can). */
  missing: string | null;
}

/** Where the npm `typescript` package sits inside the sandbox. */
export const TYPESCRIPT_TARGET = "/opt/typescript";

function which(name: string): string | null {
  const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
  for (const dir of [...path.split(":"), "/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    if (dir === "") continue;
    const p = join(dir, name);
    try {
      const st = Deno.statSync(p);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** `GRLO_SANDBOX_BWRAP` names the bubblewrap binary (a path that does not exist = none). */
function bwrapPath(): string | null {
  const override = Deno.env.get("GRLO_SANDBOX_BWRAP");
  if (override === undefined) return which("bwrap");
  try {
    return Deno.statSync(override).isFile ? override : null;
  } catch {
    return null;
  }
}

let cachedEnv: SandboxEnv | null = null;

/**
 * Finds the sandbox tools (cached for the process).
 *
 * @returns the tools found and, when one is missing, a sentence saying what to install
 */
export function sandboxEnv(): SandboxEnv {
  if (cachedEnv !== null) return cachedEnv;
  const isRoot = Deno.uid() === 0;
  const env: SandboxEnv = {
    bwrap: bwrapPath(),
    setpriv: which("setpriv"),
    prlimit: which("prlimit"),
    timeout: which("timeout"),
    isRoot,
    missing: null,
  };
  const absent: string[] = [];
  if (Deno.build.os !== "linux") absent.push(`Linux (this is ${Deno.build.os})`);
  if (env.bwrap === null) absent.push("bwrap (apt-get install bubblewrap)");
  if (env.prlimit === null) absent.push("prlimit (apt-get install util-linux)");
  if (isRoot && env.setpriv === null) absent.push("setpriv (apt-get install util-linux)");
  if (env.timeout === null) absent.push("timeout (coreutils)");
  if (absent.length > 0) env.missing = `missing: ${absent.join(", ")}`;
  cachedEnv = env;
  return env;
}

/** Whether `uid 65534` can reach `path`: every ancestor searchable and the path readable by others. */
export function worldReachable(path: string): boolean {
  let p = resolve(path);
  try {
    if (((Deno.statSync(p).mode ?? 0) & 0o004) === 0) return false;
    while (p !== "/") {
      const mode = Deno.statSync(p).mode ?? 0;
      if ((mode & 0o001) === 0) return false;
      p = dirname(p);
    }
    return true;
  } catch {
    return false;
  }
}

/** Whether uid 65534 can traverse `dir`: it and every ancestor are searchable by others. */
export function worldSearchable(dir: string): boolean {
  try {
    for (let p = resolve(dir);; p = dirname(p)) {
      if (((Deno.statSync(p).mode ?? 0) & 0o001) === 0) return false;
      if (p === "/") return true;
    }
  } catch {
    return false;
  }
}

function interpreterFrom(
  envVar: string,
  name: string,
  preferred: string[],
  single: boolean,
): Interpreter {
  const override = Deno.env.get(envVar);
  const candidates = override ? [override] : preferred;
  for (const c of candidates) {
    let real: string;
    try {
      real = Deno.realPathSync(c);
    } catch {
      continue;
    }
    if (real.startsWith("/usr/")) return { path: real, binds: [] };
    // Outside /usr: bind the install prefix (…/bin/<exe> -> …) at the same path.
    const prefix = dirname(dirname(real));
    if (Deno.uid() === 0 && !worldSearchable(prefix)) {
      // A self-contained binary (node) can be copied where uid 65534 reaches it.
      if (single) return copiedBinary(real, name);
      throw new Error(
        `${real} (${name} for the code sandbox) lies under ${prefix}, which uid 65534 cannot ` +
          `reach; install it system-wide (apt-get install ${name}) or point ${envVar} at a ` +
          `world-readable copy`,
      );
    }
    return { path: real, binds: [{ source: prefix, target: prefix }] };
  }
  const onPath = which(name);
  if (onPath !== null && !override) return interpreterFrom(envVar, name, [onPath], single);
  throw new Error(
    `no ${name} for the code sandbox: looked at ${candidates.join(", ")}` +
      (override ? ` (from ${envVar})` : ` and PATH; install it or set ${envVar}`),
  );
}

function copiedBinary(real: string, name: string): Interpreter {
  const dir = Deno.makeTempDirSync({ prefix: `grlo-${name}-`, dir: sandboxTempRoot() });
  Deno.chmodSync(dir, 0o755);
  const path = join(dir, name);
  Deno.copyFileSync(real, path);
  Deno.chmodSync(path, 0o755);
  removeAtExit(dir);
  return { path, binds: [{ source: dir, target: dir }] };
}

function removeAtExit(dir: string): void {
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already gone
    }
  });
}

let python: Interpreter | null = null;
let node: Interpreter | null = null;

/**
 * The Python interpreter for sandboxed runs: `GRLO_SANDBOX_PYTHON`, else `/usr/bin/python3`,
 * else `/usr/local/bin/python3`, else `python3` on PATH (cached for the process).
 *
 * @returns its path and binds
 */
export function pythonInterpreter(): Interpreter {
  python ??= interpreterFrom(
    "GRLO_SANDBOX_PYTHON",
    "python3",
    ["/usr/bin/python3", "/usr/local/bin/python3"],
    false,
  );
  return python;
}

/**
 * The Node.js binary for sandboxed runs: `GRLO_SANDBOX_NODE`, else `/usr/bin/node`, else
 * `/usr/local/bin/node`, else `node` on PATH (copied to the temp dir when it sits where uid
 * 65534 cannot reach it, e.g. under /root/.nvm). Cached for the process.
 *
 * @returns its path and binds
 */
export function nodeInterpreter(): Interpreter {
  node ??= interpreterFrom(
    "GRLO_SANDBOX_NODE",
    "node",
    ["/usr/bin/node", "/usr/local/bin/node"],
    true,
  );
  return node;
}

let typescriptDir: Promise<string> | null = null;

/**
 * The host directory of the npm `typescript` package (pinned in deno.json), found through
 * Deno's npm resolution; when uid 65534 cannot reach it (a checkout under `/root`), a copy of
 * its `bin/`, `lib/` and `package.json` is made once in the temp directory.
 *
 * @returns a directory holding `bin/tsc` and `lib/typescript.js`
 */
export function typescriptPackageDir(): Promise<string> {
  typescriptDir ??= findTypescript();
  return typescriptDir;
}

async function findTypescript(): Promise<string> {
  const override = Deno.env.get("GRLO_SANDBOX_TYPESCRIPT");
  let dir: string;
  if (override) {
    dir = override;
  } else {
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    let pkg: string;
    try {
      pkg = require.resolve("typescript/package.json");
    } catch (e) {
      throw new Error(
        `the npm typescript package is not installed (run \`deno install\`): ${
          (e as Error).message
        }`,
      );
    }
    dir = Deno.realPathSync(dirname(pkg));
  }
  if (sandboxEnv().isRoot && !worldReachable(join(dir, "lib", "typescript.js"))) {
    dir = await copyWorldReadable(dir);
  }
  return dir;
}

async function copyWorldReadable(dir: string): Promise<string> {
  const copy = await Deno.makeTempDir({ prefix: "grlo-typescript-", dir: sandboxTempRoot() });
  await Deno.chmod(copy, 0o755);
  removeAtExit(copy);
  const copyTree = async (from: string, to: string): Promise<void> => {
    const st = await Deno.stat(from);
    if (st.isDirectory) {
      await Deno.mkdir(to, { mode: 0o755 });
      await Deno.chmod(to, 0o755);
      for await (const e of Deno.readDir(from)) {
        await copyTree(join(from, e.name), join(to, e.name));
      }
    } else {
      await Deno.copyFile(from, to);
      await Deno.chmod(to, 0o644);
    }
  };
  for (const part of ["package.json", "bin", "lib"]) {
    await copyTree(join(dir, part), join(copy, part));
  }
  return copy;
}

/**
 * The directory per-task work dirs are created in: `GRLO_SANDBOX_TMPDIR`, else `TMPDIR`,
 * else `/tmp`. It must be outside the project and reachable by uid 65534 when root.
 *
 * @returns the directory
 */
export function sandboxTempRoot(): string {
  return Deno.env.get("GRLO_SANDBOX_TMPDIR") ?? Deno.env.get("TMPDIR") ?? "/tmp";
}
