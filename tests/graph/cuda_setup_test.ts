import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  CUDA_LIBS,
  installCudaProvider,
  nugetUrl,
  ortNativeDir,
} from "../../lib/graph/cuda_setup.ts";

async function zip(path: string, members: Record<string, string>): Promise<void> {
  const script = "import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1], 'w')\n" +
    "for k, v in json.loads(sys.argv[2]).items(): z.writestr(k, v)\nz.close()";
  const out = await new Deno.Command("python3", {
    args: ["-c", script, path, JSON.stringify(members)],
  }).output();
  assert.ok(out.success);
}

Deno.test("installCudaProvider() extracts the provider libraries from a local .nupkg", async () => {
  const dir = await Deno.makeTempDir();
  const members = Object.fromEntries(
    CUDA_LIBS.map((l) => [`runtimes/linux-x64/native/${l}`, `fake ${l}`]),
  );
  await zip(`${dir}/gpu.nupkg`, { ...members, "other/file.txt": "x" });
  const lines: string[] = [];
  const got = await installCudaProvider({
    from: `${dir}/gpu.nupkg`,
    target: `${dir}/out`,
    log: (l) => lines.push(l),
  });
  assert.deepEqual(got, CUDA_LIBS.map((l) => `${dir}/out/${l}`));
  assert.equal(await Deno.readTextFile(`${dir}/out/${CUDA_LIBS[1]}`), `fake ${CUDA_LIBS[1]}`);
  assert.equal(lines.length, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("installCudaProvider() names the package and the missing library", async () => {
  const dir = await Deno.makeTempDir();
  await zip(`${dir}/bad.nupkg`, {
    "runtimes/linux-x64/native/libonnxruntime_providers_shared.so": "x",
  });
  await assert.rejects(
    () => installCudaProvider({ from: `${dir}/bad.nupkg`, target: `${dir}/out`, log: () => {} }),
    /bad\.nupkg: missing runtimes\/linux-x64\/native\/libonnxruntime_providers_cuda\.so/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the CUDA libraries go next to onnxruntime-node's libonnxruntime.so.1", () => {
  assert.ok(existsSync(`${ortNativeDir()}/libonnxruntime.so.1`), ortNativeDir());
  assert.match(nugetUrl(), /microsoft\.ml\.onnxruntime\.gpu\.linux\/1\.30\.0\/.*1\.30\.0\.nupkg$/);
});
