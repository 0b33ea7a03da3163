import assert from "node:assert/strict";
import { z } from "zod";
import { ChecksumError } from "../../lib/data/download.ts";
import { sha256Hex } from "../../lib/util/hash.ts";
import { parseManifest } from "../../lib/data/manifest.ts";
import { DataUnavailableError, loadDataset, resolveDataFile } from "../../lib/data/resolve.ts";

const BODY = new TextEncoder().encode('{"q":"1+1","answer":"2"}\n{"q":"2+2","answer":"4"}\n');
const SOURCE = new TextEncoder().encode(
  '{"q":"PREFIX 1+1","answer":"2"}\n{"q":"PREFIX 2+2","answer":"4"}\n',
);

function serve(): { url: string; close: () => Promise<void>; hits: () => number } {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    hits++;
    const path = new URL(req.url).pathname;
    if (path === "/repo/toy.jsonl") return new Response(BODY);
    if (path === "/repo/src.jsonl") return new Response(SOURCE);
    return new Response("nope", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
    hits: () => hits,
  };
}

function manifest(base: string) {
  const common = {
    repository: "o/r",
    commit: "0".repeat(40),
    path: "p",
    description: "toy",
    rows: 2,
  };
  return parseManifest({
    description: "test",
    files: [
      {
        ...common,
        folder: "toy",
        file: "test.jsonl",
        bytes: BODY.length,
        sha256: sha256Hex(BODY),
        url: `${base}/repo/toy.jsonl`,
      },
      {
        ...common,
        folder: "toy",
        file: "fixed.jsonl",
        bytes: BODY.length,
        sha256: sha256Hex(BODY),
        url: `${base}/repo/src.jsonl`,
        source: { sha256: sha256Hex(SOURCE), bytes: SOURCE.length },
        transform: { replace: '"PREFIX ', with: '"', count: 2 },
      },
    ],
  });
}

async function tempDirs() {
  const root = await Deno.makeTempDir();
  return { root, mirror: `${root}/mirror`, cache: `${root}/cache` };
}

Deno.test("resolveDataFile() downloads into the cache once, then finds it there", async () => {
  const srv = serve();
  const d = await tempDirs();
  try {
    const opts = { manifest: manifest(srv.url), cacheDir: d.cache, dataDir: d.mirror };
    const a = await resolveDataFile("toy/test.jsonl", opts);
    assert.equal(a.from, "download");
    assert.equal(a.path, `${d.cache}/toy/test.jsonl`);
    assert.deepEqual(await Deno.readFile(a.path), BODY);
    const b = await resolveDataFile("toy/test.jsonl", opts);
    assert.equal(b.from, "cache");
    assert.equal(srv.hits(), 1);
  } finally {
    await srv.close();
    await Deno.remove(d.root, { recursive: true });
  }
});

Deno.test("resolveDataFile() prefers a mirror directory and verifies it", async () => {
  const d = await tempDirs();
  try {
    await Deno.mkdir(`${d.mirror}/toy`, { recursive: true });
    await Deno.writeFile(`${d.mirror}/toy/test.jsonl`, BODY);
    const m = manifest("http://127.0.0.1:9"); // nothing listens: must not be contacted
    const r = await resolveDataFile("toy/test.jsonl", {
      manifest: m,
      dataDir: d.mirror,
      cacheDir: d.cache,
    });
    assert.equal(r.from, "mirror");
    assert.equal(r.path, `${d.mirror}/toy/test.jsonl`);
    await Deno.writeTextFile(`${d.mirror}/toy/test.jsonl`, "tampered\n");
    await assert.rejects(
      () =>
        resolveDataFile("toy/test.jsonl", { manifest: m, dataDir: d.mirror, cacheDir: d.cache }),
      (e: unknown) =>
        e instanceof ChecksumError && e.message.includes(`${d.mirror}/toy/test.jsonl`) &&
        e.message.includes(`expected ${sha256Hex(BODY)}`),
    );
  } finally {
    await Deno.remove(d.root, { recursive: true });
  }
});

Deno.test("resolveDataFile() offline without a local copy names the file, the URL and the mirror option", async () => {
  const d = await tempDirs();
  const m = manifest("http://127.0.0.1:9");
  try {
    await assert.rejects(
      () =>
        resolveDataFile("toy/test.jsonl", {
          manifest: m,
          cacheDir: d.cache,
          dataDir: d.mirror,
          offline: true,
        }),
      (e: unknown) => {
        assert.ok(e instanceof DataUnavailableError);
        assert.match(e.message, /cannot get toy\/test\.jsonl/);
        assert.ok(e.message.includes("http://127.0.0.1:9/repo/toy.jsonl"));
        assert.ok(e.message.includes("GRLO_DATA_DIR"));
        return true;
      },
    );
    // A failing download (connection refused) gives the same kind of error.
    await assert.rejects(
      () =>
        resolveDataFile("toy/test.jsonl", {
          manifest: m,
          cacheDir: d.cache,
          dataDir: d.mirror,
          offline: false,
        }),
      (e: unknown) =>
        e instanceof DataUnavailableError &&
        e.message.includes("download from http://127.0.0.1:9/repo/toy.jsonl failed"),
    );
  } finally {
    await Deno.remove(d.root, { recursive: true });
  }
});

Deno.test("resolveDataFile() downloads a corrupt cached copy again, with a warning", async () => {
  const srv = serve();
  const d = await tempDirs();
  const warnings: string[] = [];
  try {
    await Deno.mkdir(`${d.cache}/toy`, { recursive: true });
    await Deno.writeTextFile(`${d.cache}/toy/test.jsonl`, "half a fi");
    const r = await resolveDataFile("toy/test.jsonl", {
      manifest: manifest(srv.url),
      cacheDir: d.cache,
      dataDir: d.mirror,
      onWarning: (w) => warnings.push(w),
    });
    assert.equal(r.from, "download");
    assert.deepEqual(await Deno.readFile(r.path), BODY);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /cached toy\/test\.jsonl has sha256 [0-9a-f]{64}, expected/);
  } finally {
    await srv.close();
    await Deno.remove(d.root, { recursive: true });
  }
});

Deno.test("resolveDataFile() applies a manifest transform after download", async () => {
  const srv = serve();
  const d = await tempDirs();
  try {
    const r = await resolveDataFile("toy/fixed.jsonl", {
      manifest: manifest(srv.url),
      cacheDir: d.cache,
      dataDir: d.mirror,
    });
    assert.deepEqual(await Deno.readFile(r.path), BODY);
  } finally {
    await srv.close();
    await Deno.remove(d.root, { recursive: true });
  }
});

Deno.test("loadDataset() resolves and reads records against a schema", async () => {
  const d = await tempDirs();
  try {
    await Deno.mkdir(`${d.mirror}/toy`, { recursive: true });
    await Deno.writeFile(`${d.mirror}/toy/test.jsonl`, BODY);
    const r = await loadDataset("toy/test.jsonl", z.object({ q: z.string(), answer: z.string() }), {
      manifest: manifest("http://127.0.0.1:9"),
      dataDir: d.mirror,
      cacheDir: d.cache,
    });
    assert.deepEqual(r.records.map((x) => x.answer), ["2", "4"]);
    assert.equal(r.file.from, "mirror");
    await assert.rejects(
      () =>
        loadDataset("toy/test.jsonl", z.object({ q: z.number() }), {
          manifest: manifest("http://127.0.0.1:9"),
          dataDir: d.mirror,
          cacheDir: d.cache,
        }),
      new RegExp(`${d.mirror}/toy/test\\.jsonl:1: field "q": expected number, got string`),
    );
  } finally {
    await Deno.remove(d.root, { recursive: true });
  }
});

Deno.test("resolveDataFile() throws listing known ids for an unknown id", async () => {
  await assert.rejects(
    () => resolveDataFile("toy/none.jsonl", { manifest: manifest("http://x") }),
    /known: toy\/test\.jsonl, toy\/fixed\.jsonl/,
  );
});
