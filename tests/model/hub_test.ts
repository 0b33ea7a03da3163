import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createTinyModel,
  defineModelConfig,
  downloadModel,
  loadModel,
  repoCacheDir,
} from "../../lib/model/mod.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const REPO = "tiny-org/tiny-model";
const TOKEN = "hf_test_token";

/**
 * Two loopback servers: a hub in the hub's URL layout serving one private repository, and a
 * "CDN" on another origin that its large files redirect to.
 */
function startHub(repoDir: string) {
  const files = [...Deno.readDirSync(repoDir)].map((e) => e.name).sort();
  const requests: { path: string; auth: string | null }[] = [];
  const quiet = { hostname: "127.0.0.1", port: 0, onListen: () => {} };
  const cdn = Deno.serve(quiet, async (req) => {
    const url = new URL(req.url);
    requests.push({ path: `cdn:${url.pathname}`, auth: req.headers.get("authorization") });
    return new Response(
      await Deno.readFile(join(repoDir, decodeURIComponent(url.pathname.slice(1)))),
    );
  });
  const server = Deno.serve(quiet, async (req) => {
    const url = new URL(req.url);
    const auth = req.headers.get("authorization");
    requests.push({ path: url.pathname, auth });
    if (auth !== `Bearer ${TOKEN}`) return new Response("unauthorized", { status: 401 });
    if (url.pathname === `/api/models/${REPO}/revision/main`) {
      return Response.json({
        id: REPO,
        sha: SHA,
        siblings: [...files, "pytorch_model.bin", "README.md"].map((rfilename) => ({ rfilename })),
      });
    }
    const prefix = `/${REPO}/resolve/${SHA}/`;
    if (url.pathname.startsWith(prefix)) {
      const name = decodeURIComponent(url.pathname.slice(prefix.length));
      if (!files.includes(name)) return new Response("not found", { status: 404 });
      if (name.endsWith(".safetensors")) { // large files redirect to another origin
        return new Response(null, {
          status: 302,
          headers: { location: `http://127.0.0.1:${cdn.addr.port}/${encodeURIComponent(name)}` },
        });
      }
      return new Response(await Deno.readFile(join(repoDir, name)));
    }
    return new Response("not found", { status: 404 });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: async () => {
      await server.shutdown();
      await cdn.shutdown();
    },
  };
}

async function setup() {
  const root = await Deno.makeTempDir({ prefix: "hub_test_" });
  const repoDir = join(root, "repo");
  const config = defineModelConfig({
    arch: "qwen3",
    hiddenSize: 8,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    intermediateSize: 16,
    vocabSize: 20,
  });
  const params = await createTinyModel(repoDir, config, { seed: 4, maxShardBytes: 1500 });
  await Deno.writeTextFile(join(repoDir, "tokenizer.json"), '{"version":"1.0"}');
  await Deno.writeTextFile(join(repoDir, "tokenizer_config.json"), "{}");
  return { root, repoDir, params, cache: join(root, "hf", "hub") };
}

Deno.test("downloadModel() fetches a repository into a huggingface_hub-style cache, then reuses it", async () => {
  const { root, params, cache, repoDir } = await setup();
  const hub = startHub(repoDir);
  try {
    const progress: string[] = [];
    const dir = await downloadModel(REPO, {
      cacheDir: cache,
      endpoint: hub.endpoint,
      token: TOKEN,
      offline: false,
      progress: (t) => progress.push(t),
    });
    assert.equal(dir, join(cache, "models--tiny-org--tiny-model", "snapshots", SHA));
    assert.equal(
      await Deno.readTextFile(join(cache, "models--tiny-org--tiny-model", "refs", "main")),
      SHA,
    );
    const got = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(got, [...Deno.readDirSync(repoDir)].map((e) => e.name).sort());
    assert.ok(!got.includes("pytorch_model.bin") && !got.includes("README.md"));
    const loaded = await loadModel(dir);
    for (const [n, t] of params) assert.deepEqual(loaded.params.get(n)!.data, t.data);
    assert.ok(progress.some((l) => l.includes("tiny-org/tiny-model/config.json")));
    // The token goes to the hub only, not to the redirect target.
    const cdnRequests = hub.requests.filter((r) => r.path.startsWith("cdn:"));
    assert.ok(cdnRequests.length >= 2 && cdnRequests.every((r) => r.auth === null));

    const before = hub.requests.length;
    await downloadModel(REPO, {
      cacheDir: cache,
      endpoint: hub.endpoint,
      token: TOKEN,
      offline: false,
      progress: false,
    });
    assert.equal(hub.requests.length, before + 1, "only the revision lookup, no file downloads");
    const offline = await downloadModel(REPO, {
      cacheDir: cache,
      endpoint: hub.endpoint,
      offline: true,
    });
    assert.equal(offline, dir);
    assert.equal(hub.requests.length, before + 1);
  } finally {
    await hub.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("downloadModel() honours HF_HOME, HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE", async () => {
  const { root, repoDir } = await setup();
  const hub = startHub(repoDir);
  const saved = Object.fromEntries(
    ["HF_HOME", "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE", "HF_HUB_CACHE"].map((
      k,
    ) => [k, Deno.env.get(k)]),
  );
  try {
    Deno.env.delete("HF_HUB_CACHE");
    Deno.env.set("HF_HOME", join(root, "home"));
    Deno.env.set("HF_ENDPOINT", hub.endpoint);
    Deno.env.set("HF_TOKEN", TOKEN);
    Deno.env.set("HF_HUB_OFFLINE", "0");
    const dir = await downloadModel(REPO, { progress: false });
    assert.equal(dir, join(root, "home", "hub", "models--tiny-org--tiny-model", "snapshots", SHA));
    Deno.env.delete("HF_TOKEN");
    Deno.env.set("HF_HUB_OFFLINE", "1");
    await Deno.remove(join(dir, "tokenizer.json"));
    await assert.rejects(
      () => downloadModel(REPO, { progress: false }),
      (e: Error) =>
        e.message.includes("offline mode") &&
        e.message.includes("Missing file(s): tokenizer.json.") && e.message.includes(dir),
    );
    Deno.env.set("HF_HUB_OFFLINE", "0");
    await assert.rejects(
      () => downloadModel(REPO, { progress: false }),
      /HTTP 401 \(gated or private repository: set HF_TOKEN/,
    );
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    await hub.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("downloadModel() on an unreachable hub names every missing file and where to put it", async () => {
  const root = await Deno.makeTempDir({ prefix: "hub_test_" });
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close(); // nothing listens there now
    const cache = join(root, "hub");
    const err = await downloadModel("org/absent", {
      cacheDir: cache,
      endpoint: `http://127.0.0.1:${port}`,
      offline: false,
      progress: false,
    })
      .then(() => null, (e: Error) => e);
    assert.ok(err);
    assert.match(err.message, /unreachable/);
    assert.match(
      err.message,
      /Missing file\(s\): config\.json, tokenizer\.json, tokenizer_config\.json, model\.safetensors\./,
    );
    assert.ok(
      err.message.includes(join(repoCacheDir(cache, "org/absent"), "snapshots", "<commit>")),
    );
    assert.ok(err.message.includes(join(repoCacheDir(cache, "org/absent"), "refs", "main")));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("downloadModel() offline requires every shard the cached index names", async () => {
  const { root, repoDir, cache } = await setup();
  const hub = startHub(repoDir);
  try {
    const dir = await downloadModel(REPO, {
      cacheDir: cache,
      endpoint: hub.endpoint,
      token: TOKEN,
      offline: false,
      progress: false,
    });
    const shards = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      /^model-\d+-of-\d+/.test(n)
    ).sort();
    assert.ok(shards.length >= 2);
    await Deno.remove(join(dir, shards[1]));
    await assert.rejects(
      () => downloadModel(REPO, { cacheDir: cache, offline: true }),
      new RegExp(`Missing file\\(s\\): ${shards[1]}\\.`),
    );
    assert.equal(
      await downloadModel(repoDir, { offline: true }),
      repoDir,
      "a local directory is used as is",
    );
  } finally {
    await hub.close();
    await Deno.remove(root, { recursive: true });
  }
});
