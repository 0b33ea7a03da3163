import assert from "node:assert/strict";
import { join } from "node:path";
import {
  openModelWeights,
  readAllF32,
  SafetensorsFile,
  writeSafetensors,
  writeSafetensorsSharded,
} from "../../lib/model/mod.ts";

const FIXTURES = new URL("../fixtures/reference-models/", import.meta.url).pathname;
const FIXTURE_FILES = ["qwen3-gqa-untied", "qwen3-tied-bf16", "llama3-rope-scaled"].flatMap((m) => [
  join(FIXTURES, m, "model.safetensors"),
  join(FIXTURES, m, "grads.safetensors"),
]);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "safetensors_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Parses a file's header independently of the module under test. */
async function rawHeader(path: string) {
  const bytes = await Deno.readFile(path);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  return { bytes, header, dataStart: 8 + n };
}

/** Builds a safetensors file from a header object and a data buffer. */
function buildFile(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

Deno.test("SafetensorsFile.readF32() loads BF16 weights as their exact float32 values (16-bit shift)", async () => {
  const path = join(FIXTURES, "qwen3-tied-bf16", "model.safetensors");
  const { bytes, header, dataStart } = await rawHeader(path);
  const f = await SafetensorsFile.open(path);
  try {
    let checked = 0;
    for (const name of f.names()) {
      const { dtype, data_offsets: [a, b] } = header[name];
      assert.equal(dtype, "BF16");
      const raw = bytes.slice(dataStart + a, dataStart + b);
      const u16 = new Uint16Array(raw.buffer);
      const got = new Uint32Array((await f.readF32(name)).buffer);
      for (let i = 0; i < u16.length; i++) assert.equal(got[i], u16[i] * 65536);
      const f64 = await f.readF64(name);
      const f32 = await f.readF32(name);
      for (let i = 0; i < u16.length; i++) assert.equal(f64[i], f32[i]);
      checked += u16.length;
    }
    assert.ok(checked > 10000);
  } finally {
    await f.close();
  }
});

Deno.test("SafetensorsFile lists tensors in storage order with dtype, shape and offsets", async () => {
  const path = join(FIXTURES, "qwen3-gqa-untied", "model.safetensors");
  const { header, dataStart } = await rawHeader(path);
  const f = await SafetensorsFile.open(path);
  try {
    assert.equal(f.names()[0], "model.embed_tokens.weight");
    assert.deepEqual(f.metadata, { format: "pt" });
    const info = f.info("model.layers.1.self_attn.q_proj.weight");
    assert.deepEqual(info.shape, [48, 40]);
    assert.equal(info.dtype, "F32");
    assert.equal(
      info.offset,
      dataStart + header["model.layers.1.self_attn.q_proj.weight"].data_offsets[0],
    );
    assert.equal(f.names().length, Object.keys(header).length - 1);
    await assert.rejects(
      () => f.readF32("model.nope"),
      /qwen3-gqa-untied\/model\.safetensors: no tensor named "model\.nope"/,
    );
  } finally {
    await f.close();
  }
});

Deno.test("writeSafetensors() round-trips every fixture tensor byte for byte (F32, BF16, F64)", async () => {
  await withTempDir(async (dir) => {
    for (const path of FIXTURE_FILES) {
      const src = await SafetensorsFile.open(path);
      const copy = join(dir, "copy.safetensors");
      try {
        const tensors: [
          string,
          { dtype: ReturnType<typeof src.info>["dtype"]; shape: number[]; data: Uint8Array },
        ][] = [];
        for (const n of src.names()) {
          tensors.push([n, {
            dtype: src.info(n).dtype,
            shape: src.info(n).shape,
            data: await src.readRaw(n),
          }]);
        }
        await writeSafetensors(copy, tensors);
        const back = await SafetensorsFile.open(copy);
        try {
          assert.deepEqual(back.names(), src.names());
          for (const [n, t] of tensors) {
            assert.deepEqual(back.info(n).shape, t.shape);
            assert.equal(back.info(n).dtype, t.dtype);
            assert.deepEqual(await back.readRaw(n), t.data, `${path}: ${n}`);
          }
        } finally {
          await back.close();
        }
        const { dataStart } = await rawHeader(copy);
        assert.equal(dataStart % 8, 0, "header padded to 8 bytes");
      } finally {
        await src.close();
      }
    }
  });
});

Deno.test("writeSafetensors() converts float32 to BF16/F16/F64 and stores integer tensors", async () => {
  await withTempDir(async (dir) => {
    const p = join(dir, "t.safetensors");
    const x = new Float32Array([1, -2.5, 3.140625, 1e-8, 65504]);
    await writeSafetensors(p, [
      ["a", { shape: [5], data: x, dtype: "BF16" }],
      ["b", { shape: [5], data: x, dtype: "F16" }],
      ["c", { shape: [5], data: x, dtype: "F64" }],
      ["d", { shape: [2, 2], data: new Int32Array([1, -2, 3, 2147483647]) }],
      ["e", { shape: [2], data: new BigInt64Array([-5n, 1n << 40n]) }],
    ], { metadata: { note: "x" } });
    const f = await SafetensorsFile.open(p);
    try {
      assert.deepEqual(f.metadata, { format: "pt", note: "x" });
      assert.deepEqual([...await f.readF32("a")], [
        1,
        -2.5,
        3.140625,
        1.0011717677116394e-8,
        65536,
      ]);
      assert.deepEqual([...await f.readF32("b")], [1, -2.5, 3.140625, 0, 65504]);
      assert.deepEqual(await f.readF64("c"), Float64Array.from(x));
      assert.deepEqual([...await f.readF64("d")], [1, -2, 3, 2147483647]);
      assert.deepEqual([...await f.readF64("e")], [-5, 2 ** 40]);
      assert.equal(f.info("e").dtype, "I64");
    } finally {
      await f.close();
    }
    await assert.rejects(
      () => writeSafetensors(p, [["w", { shape: [3], data: new Float32Array(2) }]]),
      /tensor "w": data has 2 elements but shape \[3\] needs 3/,
    );
  });
});

Deno.test("SafetensorsFile.open() rejects corrupt headers, truncated files and overlapping offsets", async () => {
  await withTempDir(async (dir) => {
    const data = new Uint8Array(16);
    const ok = {
      w: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      v: { dtype: "F32", shape: [2], data_offsets: [8, 16] },
    };
    const cases: [string, Uint8Array, RegExp][] = [
      ["tiny", new Uint8Array(5), /tiny\.safetensors: truncated safetensors file \(5 bytes/],
      [
        "longheader",
        buildFile(ok, data, 10_000),
        /longheader\.safetensors: header length 10000 exceeds the file size/,
      ],
      [
        "notjson",
        buildFile("x", data).fill(0x7b, 8, 12),
        /notjson\.safetensors: corrupt safetensors header/,
      ],
      [
        "dtype",
        buildFile({ w: { ...ok.w, dtype: "F8" } }, data),
        /dtype\.safetensors: tensor "w": unsupported dtype "F8"/,
      ],
      [
        "size",
        buildFile({ w: { ...ok.w, shape: [3] } }, data),
        /size\.safetensors: tensor "w": data_offsets span 8 bytes but F32 \[3\] needs 12/,
      ],
      [
        "overlap",
        buildFile({ w: ok.w, v: { ...ok.v, data_offsets: [4, 12] } }, data),
        /overlap\.safetensors: tensors "w" \[0, 8\] and "v" \[4, 12\] overlap/,
      ],
      [
        "truncated",
        buildFile(ok, data).slice(0, -4),
        /truncated\.safetensors: tensor "v": data_offsets \[8, 16\] run past the end of the data \(12 bytes; file truncated\?\)/,
      ],
      [
        "offsets",
        buildFile({ w: { ...ok.w, data_offsets: [8, 0] } }, data),
        /offsets\.safetensors: tensor "w": data_offsets must be \[begin, end\]/,
      ],
    ];
    for (const [name, bytes, re] of cases) {
      const p = join(dir, `${name}.safetensors`);
      await Deno.writeFile(p, bytes);
      await assert.rejects(() => SafetensorsFile.open(p), re, name);
    }
    const good = join(dir, "good.safetensors");
    await Deno.writeFile(good, buildFile(ok, data));
    const f = await SafetensorsFile.open(good);
    assert.deepEqual(f.names(), ["w", "v"]);
    await f.close();
    await assert.rejects(
      () => SafetensorsFile.open(join(dir, "absent.safetensors")),
      /absent\.safetensors: cannot open/,
    );
  });
});

Deno.test("writeSafetensorsSharded() splits by size, writes the HF index, and openModelWeights() reads it back", async () => {
  await withTempDir(async (dir) => {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (let i = 0; i < 5; i++) {
      tensors.set(`t${i}`, {
        shape: [10, 10],
        data: new Float32Array(100).map((_, j) => i * 1000 + j),
      });
    }
    const files = await writeSafetensorsSharded(dir, tensors, { maxShardBytes: 500 });
    assert.deepEqual(files, [1, 2, 3, 4, 5].map((i) => `model-0000${i}-of-00005.safetensors`));
    const index = JSON.parse(await Deno.readTextFile(join(dir, "model.safetensors.index.json")));
    assert.equal(index.metadata.total_size, 2000);
    assert.equal(index.weight_map.t3, "model-00004-of-00005.safetensors");
    const reader = await openModelWeights(dir);
    const all = await readAllF32(reader);
    await reader.close();
    assert.deepEqual([...all.keys()], ["t0", "t1", "t2", "t3", "t4"]);
    assert.deepEqual(all.get("t4")!.data, tensors.get("t4")!.data);

    // Two per shard, then back to a single file: stale shards and the index go away.
    assert.equal((await writeSafetensorsSharded(dir, tensors, { maxShardBytes: 800 })).length, 3);
    assert.equal(
      [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith("-of-00005.safetensors")).length,
      0,
    );
    assert.deepEqual(await writeSafetensorsSharded(dir, tensors), ["model.safetensors"]);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["model.safetensors"]);
  });
});

Deno.test("openModelWeights() names the shard and tensor when an index points at a missing tensor", async () => {
  await withTempDir(async (dir) => {
    await writeSafetensors(join(dir, "model-00001-of-00001.safetensors"), [["a", {
      shape: [1],
      data: new Float32Array(1),
    }]]);
    await Deno.writeTextFile(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({
        metadata: {},
        weight_map: {
          a: "model-00001-of-00001.safetensors",
          b: "model-00001-of-00001.safetensors",
        },
      }),
    );
    await assert.rejects(
      () => openModelWeights(dir),
      /model-00001-of-00001\.safetensors: tensor "b" listed in .*index\.json is missing/,
    );
    await Deno.remove(join(dir, "model.safetensors.index.json"));
    await Deno.remove(join(dir, "model-00001-of-00001.safetensors"));
    await assert.rejects(
      () => openModelWeights(dir),
      /no model weights \(expected model\.safetensors or model\.safetensors\.index\.json\)/,
    );
  });
});
