import assert from "node:assert/strict";
import { defaultProvider, encodeModel, Graph, op, Session } from "../../lib/graph/mod.ts";

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
