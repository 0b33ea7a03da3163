/**
 * `deno task bench <name> [options]`: the kit's benchmarks, each a module exporting a
 * function that takes the remaining arguments, prints a human-readable table and one JSON
 * line per measurement (DESIGN.md "Benchmarks").
 *
 * ```sh
 * deno task bench model --configs S,M     # Qwen3 forward and train step on configs S and M
 * deno task bench graph                   # one transformer block's train step
 * deno task bench rollout                 # sampler decode tokens/s at batch 1, 8, 32
 * deno task bench rl                      # one PPO step of the trainer, time by phase
 * deno task bench profile --what train-M  # onnxruntime profile: time by phase and op type
 * deno task bench model --help
 * ```
 *
 * Adding a bench: one entry in {@link BENCHES} (name -> lazy import of its runner).
 *
 * @module
 */

import { runMain } from "../lib/cli.ts";

/** A bench runner: parses its own arguments, prints its results. */
export type BenchRunner = (args: string[]) => Promise<unknown>;

/** The benches by name, each loaded only when asked for. */
export const BENCHES: Readonly<
  Record<string, { summary: string; load: () => Promise<BenchRunner> }>
> = {
  model: {
    summary: "Qwen3 graphs on configs S/M: forward and train-step tokens/s, GFLOP/s vs MatMul peak",
    load: async () => (await import("./bench_model.ts")).benchModel,
  },
  graph: {
    summary: "one transformer block's train step vs the MatMul peak",
    load: async () => (await import("./bench_graph.ts")).benchGraph,
  },
  rollout: {
    summary: "batched KV-cache decode tokens/s on configs S/M vs the memory-bandwidth bound",
    load: async () => (await import("./bench_rollout.ts")).benchRollout,
  },
  profile: {
    summary: "onnxruntime profile of a train step or batched decode: time by phase and op type",
    load: async () => (await import("./bench_profile.ts")).benchProfile,
  },
  rl: {
    summary: "one PPO step (GAE, critic) of the trainer on configs S/M: time by phase, vs peak",
    load: async () => (await import("./bench_rl.ts")).benchRl,
  },
};

function usage(): string {
  const lines = [
    "Usage: deno task bench <name> [options]   (--help after a name for its options)",
    "",
    "Benches:",
  ];
  for (const [name, b] of Object.entries(BENCHES)) lines.push(`  ${name.padEnd(10)}${b.summary}`);
  return lines.join("\n");
}

if (import.meta.main) {
  const [name, ...rest] = Deno.args;
  const bench = BENCHES[name ?? ""];
  if (!bench) {
    const asked = name === undefined || name === "--help" || name === "-h";
    console.error(asked ? usage() : `unknown bench "${name}"\n\n${usage()}`);
    Deno.exit(asked ? 0 : 2);
  }
  await runMain(async () => {
    await (await bench.load())(rest);
    return 0;
  });
}
