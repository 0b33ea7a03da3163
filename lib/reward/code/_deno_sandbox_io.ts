/**
 * Small pieces of the Deno sandbox (`deno_sandbox.ts`): reading a stream up to a byte cap,
 * and a process's resident memory from /proc.
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
