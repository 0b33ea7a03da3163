/**
 * `deno task setup-cuda`: install onnxruntime-node's CUDA execution provider (needs internet,
 * an NVIDIA driver, CUDA 12 and cuDNN 9 runtime libraries), then check it with a tiny graph.
 *
 *     deno task setup-cuda                      # download from NuGet
 *     deno task setup-cuda --from pkg.nupkg     # offline, from a copied package
 *
 * @module
 */

import { parseCli, runMain } from "../lib/cli.ts";
import { installCudaProvider, nugetUrl } from "../lib/graph/cuda_setup.ts";
import { encodeModel, Graph, op, Session } from "../lib/graph/mod.ts";

const spec = {
  command: "deno task setup-cuda",
  summary: `Install the CUDA execution provider of onnxruntime-node (from ${nugetUrl()}).`,
  options: {
    from: {
      type: "string",
      description: "use a local .nupkg instead of downloading",
      valueName: "FILE",
    },
    target: {
      type: "string",
      description: "install into this directory (default: onnxruntime-node's)",
      valueName: "DIR",
    },
    "skip-check": { type: "boolean", description: "do not run a tiny graph on the CUDA provider" },
  },
} as const;

async function main(): Promise<number> {
  const cli = parseCli(Deno.args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return 0;
  }
  await installCudaProvider({ from: cli.values.from, target: cli.values.target });
  if (!cli.values["skip-check"]) {
    const g = new Graph();
    const x = g.input("x", "float32", [2, 2]);
    g.output(op.matmul(x, x), "y");
    const s = await Session.create(encodeModel(g), { ep: "cuda" });
    const y = await s.run({
      x: { dtype: "float32", shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
    });
    console.error(`CUDA provider works: [[1,2],[3,4]]^2 = ${[...y.y.data as Float32Array]}`);
    await s.release();
  }
  return 0;
}

if (import.meta.main) await runMain(main);
