/**
 * Waiting until a Deno Jupyter kernel has published what a cell displayed.
 *
 * Deno's kernel (2.x) evaluates cells on one thread and publishes their outputs on another:
 * `Deno.jupyter.display` (and a cell's result) only queue a message, and the publishing loop
 * stamps each message with the parent header of whichever cell is running when it gets to it.
 * When a cell queues large bundles (figures, tables) faster than they are signed and sent, the
 * kernel can report the cell finished while some are still queued; those outputs then land in
 * the next cell or, after the last cell, nowhere (nbclient stops listening at `idle`). Seen
 * here as notebooks that lost 4 of 8 figures, on a faster machine than the one that wrote them.
 *
 * {@link flushDisplays} closes that race from inside the cell: it queues a marker (an
 * `update_display_data` for a display id nothing shows, which JupyterLab, VS Code and nbclient
 * ignore) and waits until the marker comes back on the kernel's own IOPub socket, which it
 * subscribes to with a minimal ZMTP 3.0 SUB client (NULL mechanism, as Jupyter uses on
 * loopback). The queue is first-in first-out, so everything queued before the marker has then
 * been published under this cell. The connection file is found through `--conn` in this
 * process's command line (`/proc/self/cmdline`); where it cannot be (another OS, another
 * kernel), the flush falls back to a short pause.
 *
 * @module
 */

const ENC = new TextEncoder();
const DEC = new TextDecoder();
const DELIMITER = "<IDS|MSG>";

/** Whether this process is a Deno Jupyter kernel. */
function inKernel(): boolean {
  return typeof (Deno as { jupyter?: unknown }).jupyter !== "undefined";
}

/** The kernel's connection info (the `--conn` file), or null where it cannot be found. */
export function kernelConnection(): { ip: string; iopub_port: number; transport: string } | null {
  let argv: string[];
  try {
    argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
  } catch {
    return null;
  }
  const i = argv.indexOf("--conn");
  if (i < 0 || !argv[i + 1]) return null;
  try {
    const info = JSON.parse(Deno.readTextFileSync(argv[i + 1]));
    if (typeof info.iopub_port !== "number") return null;
    return {
      ip: info.ip ?? "127.0.0.1",
      iopub_port: info.iopub_port,
      transport: info.transport ?? "tcp",
    };
  } catch {
    return null;
  }
}

/** A ZMTP frame: flags (MORE 0x01, LONG 0x02, COMMAND 0x04), then a 1- or 8-octet size. */
function frame(body: Uint8Array, flags: number): Uint8Array {
  const long = body.length > 255;
  const out = new Uint8Array((long ? 9 : 2) + body.length);
  out[0] = flags | (long ? 0x02 : 0);
  if (long) new DataView(out.buffer).setBigUint64(1, BigInt(body.length));
  else out[1] = body.length;
  out.set(body, long ? 9 : 2);
  return out;
}

/** The 64-octet ZMTP 3.0 greeting with the NULL mechanism. */
function greeting(): Uint8Array {
  const g = new Uint8Array(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g.set(ENC.encode("NULL"), 12);
  return g;
}

/** The READY command announcing a SUB socket. */
function ready(): Uint8Array {
  const name = ENC.encode("READY"), key = ENC.encode("Socket-Type"), value = ENC.encode("SUB");
  const body = new Uint8Array(1 + name.length + 1 + key.length + 4 + value.length);
  let o = 0;
  body[o++] = name.length;
  body.set(name, o);
  o += name.length;
  body[o++] = key.length;
  body.set(key, o);
  o += key.length;
  new DataView(body.buffer).setUint32(o, value.length);
  body.set(value, o + 4);
  return frame(body, 0x04);
}

/** Reads exact byte counts from a connection (a buffer that doubles as needed). */
class Reader {
  #buf = new Uint8Array(1 << 16);
  #start = 0;
  #end = 0;
  constructor(private conn: Deno.Conn) {}

  async exactly(n: number): Promise<Uint8Array> {
    while (this.#end - this.#start < n) {
      if (this.#buf.length - this.#start < n || this.#end === this.#buf.length) {
        const size = Math.max(this.#buf.length, 2 * (n + 65536));
        const next = new Uint8Array(size);
        next.set(this.#buf.subarray(this.#start, this.#end));
        this.#end -= this.#start;
        this.#start = 0;
        this.#buf = next;
      }
      const got = await this.conn.read(this.#buf.subarray(this.#end));
      if (got === null) throw new Error("IOPub connection closed");
      this.#end += got;
    }
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return out;
  }

  /** One frame: its body and whether more frames of the same message follow. */
  async frame(): Promise<{ body: Uint8Array; more: boolean; command: boolean }> {
    const [flags] = await this.exactly(1);
    const size = flags & 0x02
      ? Number(new DataView((await this.exactly(8)).buffer).getBigUint64(0))
      : (await this.exactly(1))[0];
    return {
      body: await this.exactly(size),
      more: (flags & 0x01) !== 0,
      command: (flags & 0x04) !== 0,
    };
  }
}

/** The display ids of `update_display_data` messages seen on IOPub so far. */
interface Subscriber {
  seen: Set<string>;
  waiters: Map<string, () => void>;
  closed: boolean;
}

let subscriber: Promise<Subscriber | null> | null = null;

/** Subscribes to the kernel's IOPub socket (once per kernel), or null where it cannot. */
function subscribe(): Promise<Subscriber | null> {
  subscriber ??= (async () => {
    const info = kernelConnection();
    if (!info || info.transport !== "tcp") return null;
    let conn: Deno.Conn;
    try {
      conn = await Deno.connect({ hostname: info.ip, port: info.iopub_port });
    } catch {
      return null;
    }
    const reader = new Reader(conn);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const handshake = (async () => {
        await conn.write(greeting());
        await reader.exactly(64);
        await conn.write(ready());
        await reader.frame(); // the peer's READY
        await conn.write(frame(new Uint8Array([1]), 0)); // subscribe to every topic
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("IOPub handshake timed out")), 30_000);
      });
      await Promise.race([handshake, timeout]);
    } catch {
      conn.close();
      return null;
    } finally {
      clearTimeout(timer);
    }
    const sub: Subscriber = { seen: new Set(), waiters: new Map(), closed: false };
    (async () => {
      try {
        for (;;) {
          const parts: Uint8Array[] = [];
          for (;;) {
            const f = await reader.frame();
            if (!f.command) parts.push(f.body);
            if (!f.more) break;
          }
          const d = parts.findIndex((p) => DEC.decode(p) === DELIMITER);
          if (d < 0 || parts.length < d + 6) continue;
          const header = JSON.parse(DEC.decode(parts[d + 2]));
          if (header.msg_type !== "update_display_data") continue;
          const id = JSON.parse(DEC.decode(parts[d + 5]))?.transient?.display_id;
          if (typeof id !== "string" || !id.startsWith("grlo-flush-")) continue;
          const wake = sub.waiters.get(id);
          if (wake) { // a repeat of a marker already seen finds no waiter
            sub.seen.add(id);
            wake();
          }
        }
      } catch {
        sub.closed = true;
        for (const wake of sub.waiters.values()) wake();
      }
    })();
    // The kernel's own SUB-side reads keep the process alive otherwise; this one must not.
    (conn as Deno.TcpConn).unref?.();
    return sub;
  })();
  return subscriber;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Options of {@link flushDisplays}. */
export interface FlushOptions {
  /** Give up waiting after this long (then return false). @default 60000 */
  timeoutMs?: number;
}

/**
 * Waits until the kernel has published every output this cell queued so far (see the module
 * doc). Outside a Jupyter kernel it returns at once.
 *
 * @param options how long to wait at most
 * @returns true when the marker came back (or there is no kernel), false on a fallback pause
 *   or a timeout
 */
export async function flushDisplays(options: FlushOptions = {}): Promise<boolean> {
  if (!inKernel()) return true;
  const timeout = options.timeoutMs ?? 60_000;
  const sub = await subscribe();
  if (!sub || sub.closed) {
    await sleep(500);
    return false;
  }
  const id = `grlo-flush-${crypto.randomUUID()}`;
  const jupyter = (Deno as unknown as {
    jupyter: { broadcast(type: string, content: unknown): Promise<void> };
  }).jupyter;
  const t0 = performance.now();
  // The first marker can go out before the kernel has registered the subscription (a PUB
  // socket drops what it sends to peers it does not know yet), so it is repeated until seen.
  for (let wait = 50; !sub.seen.has(id) && !sub.closed; wait = Math.min(wait * 2, 1000)) {
    const elapsed = performance.now() - t0;
    if (elapsed > timeout) break;
    // The waiter is in place before the marker goes out, so an echo that comes back at once
    // is not missed.
    const arrived = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(wait, timeout - elapsed));
      sub.waiters.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await jupyter.broadcast("update_display_data", {
      data: {},
      metadata: {},
      transient: { display_id: id },
    });
    await arrived;
  }
  sub.waiters.delete(id);
  const ok = sub.seen.delete(id);
  return ok;
}
