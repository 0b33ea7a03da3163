/**
 * What both sandboxes (bubblewrap: `sandbox.ts` + `sandbox_launch.ts`; Deno permissions:
 * `deno_sandbox.ts`) do with their child processes: read a stream up to a byte cap, kill a
 * child's process group, read its resident memory from /proc, and kill the children still
 * running and remove their work dirs when the harness exits.
 *
 * @module
 */

/**
 * Reads a stream to its end, keeping at most `cap` bytes; calls `onOverflow` once when the
 * cap is passed (the caller kills the writer; reading goes on until the pipe closes).
 *
 * @param stream the child's stdout or stderr
 * @param cap bytes to keep
 * @param onOverflow called when more than `cap` bytes arrive
 * @returns the kept bytes, decoded as UTF-8
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  cap: number,
  onOverflow: () => void,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  let over = false;
  for await (const chunk of stream) {
    if (over) continue;
    const room = cap - n;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    n += Math.min(chunk.length, room);
    if (chunk.length > room) {
      over = true;
      onOverflow();
    }
  }
  const all = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * The resident set size of a process (`VmRSS` in /proc/<pid>/status).
 *
 * @param pid the process
 * @returns bytes, or null where /proc is unreadable (not Linux) or the process is gone
 */
export async function rssBytes(pid: number): Promise<number | null> {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await Deno.readTextFile(`/proc/${pid}/status`));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Kills a child's whole process group (the child leads it: `setsid`, or `timeout`), or the
 * child alone where the group is gone. Call it only while the child is not reaped.
 *
 * @param child the child process
 */
export function killProcessGroup(child: Deno.ChildProcess): void {
  try {
    Deno.kill(-child.pid, "SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Work dirs of children still running, with their kill switches. */
const live = new Map<string, () => void>();

// A harness that exits with children still running (an idle compile server, an error) kills
// them and removes their work dirs on the way out.
globalThis.addEventListener("unload", () => {
  for (const [dir, kill] of live) {
    kill();
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // best effort
    }
  }
  live.clear();
});

/**
 * Registers a running child's work dir, killed and removed if the harness exits first.
 *
 * @param workDir the child's work dir
 * @param kill its kill switch
 * @returns the function that unregisters it (call it before removing the dir yourself)
 */
export function trackChild(workDir: string, kill: () => void): () => void {
  live.set(workDir, kill);
  return () => live.delete(workDir);
}
