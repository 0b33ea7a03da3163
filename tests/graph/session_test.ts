import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import {
  defaultProvider,
  encodeModel,
  encodeModelExternal,
  fromOrt,
  Graph,
  op,
  Session,
} from "../../lib/graph/mod.ts";

function negGraph(): Uint8Array {
  const g = new Graph();
  g.output(op.neg(g.input("x", "float32", ["n"])), "y");
  return encodeModel(g);
}

Deno.test("Session runs on CPU with symbolic dims and typed host tensors", async () => {
  const s = await Session.create(negGraph(), { ep: "cpu", threads: 1 });
  const out = await s.run({
    x: { dtype: "float32", shape: [3], data: Float32Array.from([1, -2, 3]) },
  });
  assert.deepEqual(out.y.shape, [3]);
  assert.deepEqual([...out.y.data as Float32Array], [-1, 2, -3]);
  assert.deepEqual(s.inputNames, ["x"]);
  await s.release();
});

Deno.test("encodeModelExternal keeps large initializers out of the model bytes, and the session holds its own copy", async () => {
  // y = x W + b: W (64 x 32 floats, 8 kB) goes outside, b (128 bytes) stays inside.
  const w = Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: 32 }, (_, i) => i / 8);
  const g = new Graph();
  const x = g.input("x", "float32", ["n", 64]);
  const y = op.add(
    op.matmul(x, g.initializer("w", "float32", [64, 32], w)),
    g.initializer(
      "b",
      "float32",
      [32],
      b,
    ),
  );
  g.output(y, "y");
  const inline = encodeModel(g);
  const { model, externalData } = encodeModelExternal(g, 1024);
  assert.deepEqual(externalData.map((e) => [e.path, e.data.byteLength]), [["0.w.bin", 8192]]);
  assert.equal(externalData[0].data.buffer, w.buffer, "a view of the graph's array, not a copy");
  assert.ok(
    model.byteLength < inline.byteLength - 8000,
    `${model.byteLength} vs ${inline.byteLength}`,
  );
  const feeds = {
    x: {
      dtype: "float32" as const,
      shape: [2, 64],
      data: Float32Array.from({ length: 128 }, Math.cos),
    },
  };
  const want = (await (await Session.create(inline, { ep: "cpu", threads: 1 })).run(feeds)).y.data;
  const s = await Session.create(model, { ep: "cpu", threads: 1, externalData });
  assert.deepEqual((await s.run(feeds)).y.data, want);
  // The trainer updates its weights in place while the sampler's session lives on.
  w.fill(0);
  b.fill(0);
  assert.deepEqual((await s.run(feeds)).y.data, want);
  await s.release();
  // Without the buffers, onnxruntime reports the missing external file.
  await assert.rejects(Session.create(model, { ep: "cpu", threads: 1 }), /0\.w\.bin/);
});

Deno.test("GRLO_EP picks the provider and rejects unknown names", () => {
  const old = Deno.env.get("GRLO_EP");
  try {
    Deno.env.set("GRLO_EP", "CPU");
    assert.equal(defaultProvider(), "cpu");
    Deno.env.set("GRLO_EP", "rocm");
    assert.throws(
      () => defaultProvider(),
      /GRLO_EP="rocm" is not a known execution provider \(cpu, cuda, webgpu\)/,
    );
  } finally {
    if (old === undefined) Deno.env.delete("GRLO_EP");
    else Deno.env.set("GRLO_EP", old);
  }
});

Deno.test("a missing CUDA provider is reported with the command that installs it", async () => {
  // On machines where `deno task setup-cuda` has run, CUDA works and there is nothing to report.
  try {
    const s = await Session.create(negGraph(), { ep: "cuda" });
    await s.release();
  } catch (e) {
    assert.match(
      (e as Error).message,
      /execution provider "cuda" is unavailable: .*deno task setup-cuda/,
    );
  }
});

Deno.test("Session.ep is the provider it was created with, from the options or GRLO_EP", async () => {
  const old = Deno.env.get("GRLO_EP");
  try {
    Deno.env.set("GRLO_EP", "cpu");
    const fromEnv = await Session.create(negGraph(), { threads: 1 });
    const fromOptions = await Session.create(negGraph(), { ep: "cpu", threads: 1 });
    assert.deepEqual([fromEnv.ep, fromOptions.ep], ["cpu", "cpu"]);
    await fromEnv.release();
    await fromOptions.release();
  } finally {
    if (old === undefined) Deno.env.delete("GRLO_EP");
    else Deno.env.set("GRLO_EP", old);
  }
});

Deno.test("fromOrt() keeps each known element type and rejects the others instead of calling them float32", () => {
  const known = [
    new ort.Tensor("float32", Float32Array.from([1.5]), [1]),
    new ort.Tensor("float64", Float64Array.from([2.5]), [1]),
    new ort.Tensor("int64", BigInt64Array.from([3n]), [1]),
    new ort.Tensor("int32", Int32Array.from([4]), [1]),
    new ort.Tensor("uint8", Uint8Array.from([5]), [1]),
    new ort.Tensor("bool", Uint8Array.from([1]), [1]),
    new ort.Tensor("float16", Uint16Array.from([0x3c00]), [1]),
  ];
  assert.deepEqual(known.map((t) => fromOrt(t).dtype), [
    "float32",
    "float64",
    "int64",
    "int32",
    "uint8",
    "bool",
    "float16",
  ]);
  assert.throws(
    () => fromOrt(new ort.Tensor("int8", Int8Array.from([-1, 2]), [2])),
    /onnxruntime returned a int8 tensor \[2\]; the kit reads only float32, .* outputs/,
  );
  assert.throws(() => fromOrt(new ort.Tensor("uint16", Uint16Array.from([1]), [1])), /uint16/);
});
