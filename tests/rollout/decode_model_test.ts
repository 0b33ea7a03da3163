import assert from "node:assert/strict";
import { OrtStepModel } from "../../lib/rollout/decode_model.ts";
import { tinyModel } from "./_fixtures.ts";

Deno.test("a prefill whose empty cache is fed as one masked slot (the WebGPU workaround) gives the same probabilities and new keys and values", async () => {
  const m = await tinyModel();
  const c = m.config, B = 2, T = 5;
  // Row 1 is left-padded by two positions.
  const mask = BigInt64Array.from([1, 1, 1, 1, 1, 0, 0, 1, 1, 1], BigInt);
  const input = {
    inputIds: BigInt64Array.from([3, 9, 4, 1, 7, 0, 0, 5, 2, 8], BigInt),
    positionIds: BigInt64Array.from([0, 1, 2, 3, 4, 0, 0, 0, 1, 2], BigInt),
    attentionMask: mask,
    batch: B,
    seq: T,
    past: new Array(2 * c.numHiddenLayers).fill(new Float32Array(0)),
    pastLength: 0,
    temperature: new Float32Array([1, 0.7]),
  };
  const plain = await OrtStepModel.create(c, m.params, { ep: "cpu", emptyCacheSlot: false });
  const slot = await OrtStepModel.create(c, m.params, { ep: "cpu", emptyCacheSlot: true });
  assert.equal(plain.emptyCacheSlot, false);
  assert.equal(slot.emptyCacheSlot, true);
  const [a, b] = [await plain.run(input), await slot.run(input)];
  assert.equal(b.probs.length, B * c.vocabSize);
  const close = (x: Float32Array, y: Float32Array, what: string) => {
    assert.equal(x.length, y.length, what);
    for (let i = 0; i < x.length; i++) {
      assert.ok(
        Math.abs(x[i] - y[i]) <= 1e-6 * (1 + Math.abs(x[i])),
        `${what}[${i}]: ${y[i]} vs ${x[i]}`,
      );
    }
  };
  close(a.probs, b.probs, "probs");
  // Keys and values at real positions only: a padding query sees no key, so its uniform
  // attention spreads over the slot too; padding positions stay masked in every later step.
  const H = c.numKeyValueHeads, D = c.headDim;
  const real = (kv: Float32Array) =>
    Float32Array.from(kv).filter((_, i) =>
      mask[Math.floor(i / (H * T * D)) * T + (Math.floor(i / D) % T)] === 1n
    );
  a.newKv.forEach((kv, i) => close(real(kv), real(b.newKv[i]), `new kv ${i}`));
  // The caller's input is not changed, and a decode call (P > 0) is fed as it is.
  assert.equal(input.pastLength, 0);
  assert.equal(input.attentionMask, mask);
  await plain.release();
  await slot.release();
});

Deno.test("the sampler's model feeds a prefill's empty cache as a masked slot by default only on the WebGPU provider", async () => {
  const m = await tinyModel();
  const cpu = await OrtStepModel.create(m.config, m.params, { ep: "cpu" });
  assert.equal(cpu.emptyCacheSlot, false);
  await cpu.release();
});
