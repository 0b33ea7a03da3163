/**
 * Installs onnxruntime-node's CUDA execution provider libraries, which its npm install
 * script would fetch (the kit installs the package without scripts): the NuGet package
 * `Microsoft.ML.OnnxRuntime.Gpu.Linux` of the same version holds
 * `libonnxruntime_providers_{shared,cuda}.so`; they go next to `libonnxruntime.so.1` in
 * the package's `bin/napi-v6/linux/x64/`. CUDA 12 and cuDNN 9 runtime libraries must be
 * on the loader path (as for onnxruntime-gpu).
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createProgress } from "../util/progress.ts";

/** The onnxruntime-node version the kit pins (deno.json). */
export const ORT_VERSION = "1.30.0";

/** NuGet download URL of the GPU package for a version. */
export function nugetUrl(version = ORT_VERSION): string {
  const id = "microsoft.ml.onnxruntime.gpu.linux";
  return `https://api.nuget.org/v3-flatcontainer/${id}/${version}/${id}.${version}.nupkg`;
}

/** Libraries taken from the package. */
export const CUDA_LIBS = ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"];

/** Directory of onnxruntime-node's native binaries for linux x64. */
export function ortNativeDir(): string {
  // import.meta.resolve gives .../onnxruntime-node/dist/index.js
  const entry = fileURLToPath(import.meta.resolve("onnxruntime-node"));
  return join(dirname(dirname(entry)), "bin", "napi-v6", "linux", "x64");
}

/** Options of {@link installCudaProvider}. */
export interface CudaSetupOptions {
  /** Use a local .nupkg instead of downloading. */
  from?: string;
  /** Install into this directory instead of onnxruntime-node's. */
  target?: string;
  /** Progress and status lines go here. @default console.error (progress: stderr, redrawn on a terminal) */
  log?: (line: string) => void;
}

/** Downloads (or takes) the NuGet package and extracts the CUDA provider libraries. */
export async function installCudaProvider(options: CudaSetupOptions = {}): Promise<string[]> {
  const log = options.log ?? ((l: string) => console.error(l));
  const target = options.target ?? ortNativeDir();
  const work = await Deno.makeTempDir({ prefix: "grlo-cuda-" });
  try {
    let pkg = options.from;
    if (!pkg) {
      const url = nugetUrl();
      log(`downloading ${url}`);
      const res = await fetch(url, { redirect: "follow" });
      if (!res.ok || !res.body) {
        throw new Error(
          `download of ${url} failed: HTTP ${res.status} (pass --from FILE.nupkg to use a local copy)`,
        );
      }
      pkg = join(work, "gpu.nupkg");
      const total = Number(res.headers.get("content-length") ?? 0);
      const file = await Deno.open(pkg, { write: true, create: true });
      const progress = createProgress({
        total: total || null,
        label: "  gpu.nupkg",
        unit: "B",
        write: options.log ? (t) => log(t.trimEnd()) : undefined,
      });
      for await (const chunk of res.body) {
        await file.write(chunk);
        progress.tick(chunk.length);
      }
      progress.finish();
      file.close();
    }
    // A .nupkg is a zip archive; python3's zipfile is present wherever the kit runs.
    const members = CUDA_LIBS.map((l) => `runtimes/linux-x64/native/${l}`);
    const script = [
      "import sys, zipfile, os",
      "z = zipfile.ZipFile(sys.argv[1]); names = set(z.namelist())",
      "for m in sys.argv[3:]:",
      "    if m not in names: sys.exit(f'{sys.argv[1]}: missing {m}')",
      "    open(os.path.join(sys.argv[2], os.path.basename(m)), 'wb').write(z.read(m))",
    ].join("\n");
    await Deno.mkdir(target, { recursive: true });
    const out = await new Deno.Command("python3", { args: ["-c", script, pkg, target, ...members] })
      .output();
    if (!out.success) {
      throw new Error(`cannot extract ${pkg}: ${new TextDecoder().decode(out.stderr).trim()}`);
    }
    const installed = CUDA_LIBS.map((l) => join(target, l));
    for (const f of installed) log(`installed ${f}`);
    return installed;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
