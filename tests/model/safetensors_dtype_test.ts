import assert from "node:assert/strict";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../../lib/model/safetensors_dtype.ts";
import { Rng } from "../../lib/util/rng.ts";

const f32 = (...v: number[]) => new Float32Array(v);
const bits32 = (x: number) => new Uint32Array(f32(x).buffer)[0];

Deno.test("f16ToF32() decodes zeros, subnormals, normals, infinities and NaN", () => {
  const h = new Uint16Array([
    0x0000,
    0x8000,
    0x0001,
    0x03ff,
    0x0400,
    0x3c00,
    0xc000,
    0x7bff,
    0x7c00,
    0xfc00,
    0x7e00,
    0x3555,
  ]);
  const v = f16ToF32(h);
  assert.ok(Object.is(v[0], 0) && Object.is(v[1], -0));
  assert.equal(v[2], 2 ** -24);
  assert.equal(v[3], 1023 * 2 ** -24);
  assert.equal(v[4], 2 ** -14);
  assert.equal(v[5], 1);
  assert.equal(v[6], -2);
  assert.equal(v[7], 65504);
  assert.equal(v[8], Infinity);
  assert.equal(v[9], -Infinity);
  assert.ok(Number.isNaN(v[10]));
  assert.equal(v[11], 0.333251953125);
});

Deno.test("f32ToF16() inverts f16ToF32() for every non-NaN binary16 value", () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = f32ToF16(f16ToF32(all));
  for (let i = 0; i < 65536; i++) {
    const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
    if (isNaN) {
      assert.ok((back[i] & 0x7c00) === 0x7c00 && (back[i] & 0x3ff) !== 0, `NaN ${i} stays NaN`);
    } else assert.equal(back[i], i, `bits ${i.toString(16)}`);
  }
});

Deno.test("f32ToF16() rounds to nearest even, into subnormals and up to infinity", () => {
  const out = f32ToF16(
    f32(
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      65519,
      65520,
      2 ** -25,
      2 ** -25 * 1.5,
      3 * 2 ** -25,
      1e-10,
      -1e6,
    ),
  );
  assert.deepEqual([...out], [
    0x3c00,
    0x3c02,
    0x7bff,
    0x7c00,
    0x0000,
    0x0001,
    0x0002,
    0x0000,
    0xfc00,
  ]);
});

Deno.test("f32ToF16() picks the nearest binary16 value (ties to even) for random floats", () => {
  const rng = new Rng(11);
  const xs = new Float32Array(20000).map(() => (rng.float() - 0.5) * 2 ** (rng.int(40) - 28));
  const hs = f32ToF16(xs);
  const table = f16ToF32(new Uint16Array(65536).map((_, i) => i));
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i], h = hs[i], err = Math.abs(table[h] - x);
    for (const n of [h - 1, h + 1]) {
      if (n < 0 || n > 0xffff || !Number.isFinite(table[n])) continue;
      const e2 = Math.abs(table[n] - x);
      assert.ok(
        err < e2 || (err === e2 && (h & 1) === 0),
        `x=${x}: chose ${h.toString(16)} (err ${err}), neighbour ${n.toString(16)} (err ${e2})`,
      );
    }
  }
});

Deno.test("bf16 conversions: widening is a 16-bit shift, narrowing rounds to nearest even", () => {
  const w = bf16ToF32(new Uint16Array([0x3f80, 0xbf80, 0x7f80, 0x0001, 0x4049]));
  assert.deepEqual([...w], [1, -1, Infinity, 2 ** -133, 3.140625]);
  const n = f32ToBf16(
    f32(1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, NaN, -Infinity, 3.14159),
  );
  assert.deepEqual([...n], [0x3f80, 0x3f82, 0x3f81, 0x7fc0, 0xff80, 0x4049]);
  const rng = new Rng(5);
  const xs = new Float32Array(1000).map(() => rng.normal());
  const back = bf16ToF32(f32ToBf16(xs));
  for (let i = 0; i < xs.length; i++) {
    assert.equal(bits32(back[i]) & 0xffff, 0);
    assert.ok(Math.abs(back[i] - xs[i]) <= Math.abs(xs[i]) * 2 ** -8);
  }
});
