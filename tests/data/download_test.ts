import assert from "node:assert/strict";
import { ChecksumError, DownloadError, downloadVerified } from "../../lib/data/download.ts";
import { sha256Hex } from "../../lib/util/hash.ts";

const BODY = new TextEncoder().encode('{"a":1}\n'.repeat(5000)); // 40 kB, several chunks
const SHA = sha256Hex(BODY);

/** A loopback server: /ok serves BODY, /bad other bytes, /missing 404. */
function serve(): { url: string; close: () => Promise<void>; hits: Map<string, number> } {
  const hits = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === "/ok") {
      return new Response(BODY, { headers: { "content-length": String(BODY.length) } });
    }
    if (path === "/bad") return new Response(BODY.slice(1));
    return new Response("nope", { status: 404, statusText: "Not Found" });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown(), hits };
}

/** A raw TCP server that announces BODY's length, sends half of it and closes the connection. */
function serveCut(): { url: string; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      await conn.read(buf);
      const head = `HTTP/1.1 200 OK\r\ncontent-length: ${BODY.length}\r\nconnection: close\r\n\r\n`;
      await conn.write(new TextEncoder().encode(head));
      await conn.write(BODY.slice(0, BODY.length / 2));
      conn.close();
    }
  })().catch(() => {});
  return { url: `http://127.0.0.1:${listener.addr.port}`, close: () => listener.close() };
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("downloadVerified() writes the file after checking its sha256 and reports byte progress", async () => {
  const srv = serve();
  const dir = await Deno.makeTempDir();
  const seen: { received: number; total: number | null; done: boolean }[] = [];
  try {
    await downloadVerified(`${srv.url}/ok`, `${dir}/sub/f.jsonl`, {
      sha256: SHA,
      label: "x/f.jsonl",
      onProgress: (p) => seen.push({ received: p.received, total: p.total, done: p.done }),
    });
    assert.deepEqual(await Deno.readFile(`${dir}/sub/f.jsonl`), BODY);
    assert.deepEqual(await listDir(`${dir}/sub`), ["f.jsonl"]);
    const last = seen.at(-1)!;
    assert.deepEqual(last, { received: BODY.length, total: BODY.length, done: true });
    assert.ok(seen.length >= 2, "at least one chunk report before the final one");
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].received >= seen[i - 1].received);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified() rejects a sha256 mismatch naming file, expected and actual hash, and writes nothing", async () => {
  const srv = serve();
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () =>
        downloadVerified(`${srv.url}/bad`, `${dir}/f.jsonl`, {
          sha256: SHA,
          label: "gsm8k/test.jsonl",
        }),
      (e: unknown) => {
        assert.ok(e instanceof ChecksumError);
        assert.equal(e.expected, SHA);
        assert.equal(e.actual, sha256Hex(BODY.slice(1)));
        assert.match(e.message, new RegExp(`gsm8k/test\\.jsonl.*expected ${SHA}, got ${e.actual}`));
        return true;
      },
    );
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified() after an interrupted transfer leaves the old file and no temp file, and a retry succeeds", async () => {
  const srv = serve();
  const cut = serveCut();
  const dir = await Deno.makeTempDir();
  const dest = `${dir}/f.jsonl`;
  try {
    await Deno.writeTextFile(dest, "previous complete version\n");
    await assert.rejects(
      () => downloadVerified(`${cut.url}/cut`, dest, { sha256: SHA, label: "f" }),
      (e: unknown) => e instanceof DownloadError && /connection lost|got \d+ of/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(dest), "previous complete version\n");
    assert.deepEqual(await listDir(dir), ["f.jsonl"]);
    await downloadVerified(`${srv.url}/ok`, dest, { sha256: SHA, label: "f" });
    assert.deepEqual(await Deno.readFile(dest), BODY);
    assert.deepEqual(await listDir(dir), ["f.jsonl"]);
  } finally {
    cut.close();
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified() reports an HTTP error status with the URL", async () => {
  const srv = serve();
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => downloadVerified(`${srv.url}/missing`, `${dir}/f`, { sha256: SHA }),
      new RegExp(`download from ${srv.url}/missing failed: HTTP 404 Not Found`),
    );
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified() applies a transform and checks both the source and the final hash", async () => {
  const srv = serve();
  const dir = await Deno.makeTempDir();
  try {
    const final = new TextEncoder().encode('{"b":1}\n'.repeat(5000));
    await downloadVerified(`${srv.url}/ok`, `${dir}/f`, {
      sha256: sha256Hex(final),
      sourceSha256: SHA,
      transform: { replace: '"a"', with: '"b"', count: 5000 },
    });
    assert.deepEqual(await Deno.readFile(`${dir}/f`), final);
    await assert.rejects(
      () =>
        downloadVerified(`${srv.url}/ok`, `${dir}/g`, {
          sha256: sha256Hex(final),
          transform: { replace: '"a"', with: '"b"', count: 4999 },
        }),
      /expected 4999 occurrence\(s\) of "\\"a\\"", found 5000/,
    );
    assert.deepEqual(await listDir(dir), ["f"]);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
