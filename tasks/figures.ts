/**
 * `deno task figures`: every figure a set of run directories supports, as PNG + standalone
 * HTML, with an `index.html`.
 *
 * ```sh
 * deno task train --preset smoke --out runs/smoke
 * deno task figures --runs runs/smoke --out runs/smoke-figures
 * deno task figures --runs runs/reproduce --out runs/figures          # a whole reproduce output
 * deno task figures --runs runs/grlo-s1 runs/grlo-s2 --out runs/seeds --no-png
 * ```
 *
 * A `--runs` argument is a training run, an evaluation run, or a `deno task reproduce`
 * output (its stages become runs). A missing or malformed run file is named with its line
 * and the problem (exit 2); PNGs need headless Chromium (`apt-get install -y chromium`).
 *
 * @module
 */

import { CliError, type CliSpec, parseCli, runMain } from "../lib/cli.ts";
import { figuresFor, loadRuns, RunFormatError, writeFigures } from "../lib/analysis/mod.ts";

const spec = {
  command: "deno task figures",
  summary:
    "Write every figure the given run directories support as PNG + HTML, with an index.html.",
  options: {
    runs: {
      type: "string",
      valueName: "DIR...",
      description:
        "run directories (training, evaluation, or a reproduce output); several may follow",
    },
    out: { type: "string", valueName: "DIR", description: "output directory" },
    smoothing: {
      type: "string",
      valueName: "W",
      default: "0.6",
      description: "EMA weight of curves",
    },
    device: {
      type: "string",
      valueName: "cpu|gpu",
      default: "cpu",
      description: "device of the runs",
    },
    svg: { type: "boolean", description: "also write SVG" },
    "no-png": { type: "boolean", description: "HTML only (no Chromium needed)" },
  },
  examples: [
    "deno task figures --runs runs/smoke --out runs/smoke-figures",
    "deno task figures --runs runs/reproduce --out runs/figures",
  ],
} as const satisfies CliSpec;

/**
 * Takes every value after `--runs` up to the next flag (`--runs a b c`), so the rest
 * parses with the spec.
 *
 * @param args the command line
 * @returns the run directories and the remaining arguments
 */
export function splitRuns(args: readonly string[]): { runs: string[]; rest: string[] } {
  const runs: string[] = [];
  const rest: string[] = [];
  let taking = false;
  for (const a of args) {
    if (a === "--runs") taking = true;
    else if (a.startsWith("--runs=")) runs.push(a.slice(7)), taking = true;
    else if (taking && !a.startsWith("-")) runs.push(a);
    else {
      taking = false;
      rest.push(a);
    }
  }
  return { runs, rest };
}

async function main(): Promise<number> {
  const { runs, rest } = splitRuns(Deno.args);
  const cli = parseCli(rest, spec);
  if (cli.help) console.log(cli.helpText);
  const { out } = cli.values;
  const smoothing = Number(cli.values.smoothing);
  const device = cli.values.device;
  if (!cli.help && runs.length === 0) {
    throw new CliError(`${spec.command}: --runs DIR... is required`);
  }
  if (!cli.help && out === undefined) throw new CliError(`${spec.command}: --out DIR is required`);
  if (!(smoothing >= 0 && smoothing < 1)) {
    throw new CliError(
      `${spec.command}: --smoothing must be in [0, 1), got ${cli.values.smoothing}`,
    );
  }
  if (device !== "cpu" && device !== "gpu") {
    throw new CliError(`${spec.command}: --device must be cpu or gpu, got ${device}`);
  }
  if (cli.help) return 0;
  const set = await loadRuns(runs).catch((e) => {
    throw e instanceof RunFormatError ? new CliError(`${spec.command}: ${e.message}`) : e;
  });
  for (const w of set.warnings) console.warn(`warning: ${w}`);
  const figures = figuresFor(set, { smoothing, device });
  if (figures.length === 0) {
    throw new CliError(
      `${spec.command}: the runs hold nothing to plot (no metrics, samples or scores)`,
    );
  }
  const written = await writeFigures(figures, out!, {
    png: !cli.values["no-png"],
    svg: cli.values.svg,
  });
  console.log(JSON.stringify({ figures: figures.map((f) => f.name), out, files: written.length }));
  return 0;
}

if (import.meta.main) await runMain(main);
