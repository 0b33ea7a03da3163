/**
 * `deno task import-verl`: a verl run (merged HF checkpoints + console or file-logger metrics)
 * into the kit's run layout, for `deno task eval`, `deno task figures` and the notebooks.
 *
 * ```sh
 * deno task import-verl --run runs/verl-grlo --out runs/verl-grlo-kit
 * deno task import-verl --run /ckpt/p/e --log train.log --jsonl metrics.jsonl --out runs/v
 * ```
 *
 * @module
 */

import { CliError, type CliSpec, parseCli, runMain, splitList } from "../lib/cli.ts";
import { importVerl } from "../lib/bridge/verl_import.ts";

const spec = {
  command: "deno task import-verl",
  summary: "Import a verl run (merged HF checkpoints, console/file-logger metrics) as a kit run.",
  options: {
    run: {
      type: "string",
      valueName: "DIR",
      description: "the verl run (export-verl dir or default_local_dir)",
    },
    out: { type: "string", valueName: "RUN", description: "the kit run directory to write" },
    log: {
      type: "string",
      valueName: "FILES",
      description: "console logs, comma-separated (default: *.log in DIR and DIR/logs)",
    },
    jsonl: {
      type: "string",
      valueName: "FILES",
      description: "file-logger JSONL, comma-separated (default: *.jsonl there)",
    },
  },
  examples: ["deno task import-verl --run runs/verl-grlo --out runs/verl-grlo-kit"],
} as const satisfies CliSpec;

async function main(): Promise<number> {
  const { values, help, helpText } = parseCli(Deno.args, spec);
  if (help) {
    console.log(helpText);
    return 0;
  }
  if (!values.run || !values.out) {
    throw new CliError(`${spec.command}: --run DIR and --out RUN are required (see --help)`);
  }
  const r = await importVerl(values.run, values.out, {
    consoleLogs: values.log === undefined ? undefined : splitList(values.log),
    jsonlLogs: values.jsonl === undefined ? undefined : splitList(values.jsonl),
  });
  console.log(JSON.stringify({ out: values.out, ...r }));
  return 0;
}

if (import.meta.main) await runMain(main);
