/**
 * The command-line options that `bench model` and `bench rollout` share: the configs, the
 * execution provider and the size of the MatMul peak's product.
 *
 * @module
 */

import { CliError, positiveInt, splitList } from "../lib/cli.ts";
import {
  EXECUTION_PROVIDERS,
  type ExecutionProvider,
  isExecutionProvider,
} from "../lib/graph/mod.ts";
import { BENCH_CONFIGS, type BenchConfigName } from "../lib/model/mod.ts";

/** The `--configs` list, each name checked. */
export function configsOption(v: string): BenchConfigName[] {
  return splitList(v).map((c) => {
    if (!(BENCH_CONFIGS as readonly string[]).includes(c)) {
      throw new CliError(`--configs: unknown config "${c}" (${BENCH_CONFIGS.join(", ")})`);
    }
    return c as BenchConfigName;
  });
}

/** The `--ep` value, checked. */
export function providerOption(v: string): ExecutionProvider {
  if (isExecutionProvider(v)) return v;
  const names = EXECUTION_PROVIDERS;
  throw new CliError(`--ep: "${v}" is not ${names.slice(0, -1).join(", ")} or ${names.at(-1)}`);
}

/** The `--peak-size` value: a positive size, or `auto` (2048 on the CPU provider, else 8192). */
export function peakSizeOption(v: string, ep: ExecutionProvider): number {
  if (v === "auto") return ep === "cpu" ? 2048 : 8192;
  return positiveInt("peak-size", v);
}
