import assert from "node:assert/strict";
import { sha256Hex } from "../../lib/util/hash.ts";

const TASK = new URL("../../tasks/data.ts", import.meta.url).pathname;
const BODY = new TextEncoder().encode('{"q":"1+1","answer":"2"}\n'.repeat(4000)); // 100 kB

async function runTask(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", TASK, ...args],
    env: { GRLO_DATA_DIR: "", GRLO_OFFLINE: "", NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("deno task data downloads with byte progress, verifies and then finds the cached file", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/toy.jsonl"
        ? new Response(BODY)
        : new Response("no", { status: 404 }),
  );
  const dir = await Deno.makeTempDir();
  try {
    const manifest = {
      description: "test",
      files: [{
        folder: "toy",
        file: "test.jsonl",
        rows: 4000,
        bytes: BODY.length,
        sha256: sha256Hex(BODY),
        url: `http://127.0.0.1:${server.addr.port}/toy.jsonl`,
        repository: "o/r",
        commit: "0".repeat(40),
        path: "toy.jsonl",
        description: "toy",
      }],
    };
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest));
    const args = ["--manifest", `${dir}/manifest.json`, "--cache", `${dir}/cache`];
    const first = await runTask(args, {});
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stderr, /toy\/test\.jsonl\s+100\.0 KB\/100\.0 KB \(100\.0%\)/);
    assert.match(first.stdout, /ok\s+toy\/test\.jsonl\s+4000 rows\s+sha256 ok\s+\(download: /);
    assert.deepEqual(await Deno.readFile(`${dir}/cache/toy/test.jsonl`), BODY);
    const second = await runTask(args, {});
    assert.match(second.stdout, /\(cache: /);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task data --offline names the missing file and the mirror option, and exits 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runTask(["--offline", "--suites", "aime24"], { GRLO_CACHE_DIR: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL {2}aime24\/test\.jsonl: cannot get aime24\/test\.jsonl/);
    assert.match(
      r.stdout,
      /https:\/\/raw\.githubusercontent\.com\/QwenLM\/Qwen2\.5-Math\/[0-9a-f]{40}\/evaluation\/data\/aime24\/test\.jsonl/,
    );
    assert.match(r.stdout, /GRLO_DATA_DIR \(or --mirror DIR/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task data rejects an unknown folder and an unknown flag", async () => {
  const a = await runTask(["--suites", "gsm9k", "--offline"], {});
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--suites: unknown folder "gsm9k"; known: grlo-prompts, gsm8k/);
  const b = await runTask(["--mirrors", "x"], {});
  assert.equal(b.code, 2);
  assert.match(b.stderr, /unknown option --mirrors\. Did you mean --mirror\?/);
});
