/**
 * The first step of `deno task test`: checks that this machine has the system packages the
 * suite needs and, where one is missing, names the one `apt-get install` line that adds
 * them, before any test runs (a test would otherwise fail deep inside with a sandbox or
 * nbconvert error). Prints nothing when all is there.
 *
 * Usage: `deno run --allow-all tasks/test_preflight.ts` (exit 1 when something is missing).
 *
 * @module
 */

import { join } from "node:path";

/** One thing the tests need: what to look for and the Debian package that provides it. */
interface Need {
  /** The executable looked up on PATH. */
  command: string;
  /** The Debian package. */
  pkg: string;
  /** What the tests use it for. */
  why: string;
  /** A further check once the command exists (null: fine). */
  check?: (path: string) => Promise<string | null>;
}

/** The executable `name` on PATH, or null. */
function which(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    const path = join(dir, name);
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return null;
}

/** Whether `argv` runs and exits with 0. */
async function runs(argv: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** The interpreter a script's `#!` line names (`/usr/bin/env python3` resolved on PATH). */
function interpreterOf(script: string): string | null {
  const first = Deno.readTextFileSync(script).split("\n", 1)[0];
  if (!first.startsWith("#!")) return null;
  const words = first.slice(2).trim().split(/\s+/);
  return words[0].endsWith("/env") ? which(words[1] ?? "") : words[0];
}

const NEEDS: Need[] = [
  { command: "bwrap", pkg: "bubblewrap", why: "the code sandbox" },
  { command: "setpriv", pkg: "util-linux", why: "the code sandbox: dropping to uid 65534" },
  { command: "prlimit", pkg: "util-linux", why: "the code sandbox: resource limits" },
  {
    command: "jupyter-nbconvert",
    pkg: "jupyter-nbconvert",
    why: "running the notebooks headless",
  },
  {
    command: "jupyter-nbconvert",
    pkg: "python3-ipykernel",
    why: "the notebooks' Jupyter kernel machinery",
    check: async (path) => {
      const python = interpreterOf(path);
      return python !== null && await runs([python, "-c", "import ipykernel"])
        ? null
        : `${python ?? "its python"} cannot import ipykernel`;
    },
  },
  { command: "python3", pkg: "python3", why: "Python code grading" },
  { command: "node", pkg: "nodejs", why: "TypeScript/JavaScript code grading" },
];

/**
 * What is missing, one line each.
 *
 * @returns the missing packages and the lines that explain them
 */
export async function missingPackages(): Promise<{ pkgs: string[]; lines: string[] }> {
  const pkgs: string[] = [], lines: string[] = [];
  for (const n of NEEDS) {
    const path = which(n.command);
    const problem = path === null ? `no ${n.command} on PATH` : await n.check?.(path) ?? null;
    if (problem === null) continue;
    lines.push(`  ${n.pkg}: ${problem} (${n.why})`);
    if (!pkgs.includes(n.pkg)) pkgs.push(n.pkg);
  }
  return { pkgs, lines };
}

if (import.meta.main) {
  const { pkgs, lines } = await missingPackages();
  if (pkgs.length > 0) {
    console.error(
      [
        "deno task test: this machine lacks what the test suite needs:",
        ...lines,
        "Install them (Debian/Ubuntu), then run the tests again:",
        `  sudo apt-get install -y --no-install-recommends ${pkgs.join(" ")}`,
      ].join("\n"),
    );
    Deno.exit(1);
  }
}
