import assert from "node:assert/strict";
import { peakSizeOption, providerOption } from "../tasks/_bench_options.ts";

Deno.test("the benches' --ep takes cpu, cuda or webgpu and names the accepted values otherwise", () => {
  for (const ep of ["cpu", "cuda", "webgpu"] as const) assert.equal(providerOption(ep), ep);
  assert.throws(() => providerOption("rocm"), /--ep: "rocm" is not cpu, cuda or webgpu/);
});

Deno.test("the benches' --peak-size auto is 2048 on the CPU provider and 8192 on a GPU one", () => {
  assert.equal(peakSizeOption("auto", "cpu"), 2048);
  assert.equal(peakSizeOption("auto", "webgpu"), 8192);
  assert.equal(peakSizeOption("1024", "cuda"), 1024);
  assert.throws(() => peakSizeOption("-3", "cpu"), /peak-size/);
});
