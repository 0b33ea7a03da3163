/**
 * `deno task build-wasm`: compiles the kit's WebAssembly kernels (`tasks/_wasm.ts`) from their
 * `.wat` sources into the generated modules that hold their bytes. Run it after editing a
 * `.wat` file; the test suite fails while a generated module is stale.
 *
 * ```sh
 * deno task build-wasm
 * ```
 *
 * @module
 */

import { parseCli, runMain } from "../lib/cli.ts";
import { writeTextFileAtomic } from "../lib/util/atomic.ts";
import { compileWat, generatedModule, moduleUrl, WASM_KERNELS } from "./_wasm.ts";

const spec = {
  command: "deno task build-wasm",
  summary: "Compile the kit's WebAssembly kernels from their .wat sources.",
  options: {},
} as const;

async function main(): Promise<number> {
  const cli = parseCli(Deno.args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return 0;
  }
  for (const k of WASM_KERNELS) {
    const bytes = await compileWat(k);
    await writeTextFileAtomic(moduleUrl(k).pathname, generatedModule(k, bytes));
    console.log(`${k.wat} -> ${k.module} (${bytes.length} bytes)`);
  }
  return 0;
}

if (import.meta.main) await runMain(main);
