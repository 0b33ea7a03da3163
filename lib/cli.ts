/**
 * Command-line parsing for the entry points in `tasks/`: one declarative spec per command,
 * parsed with `node:util` `parseArgs` in strict mode, with `--help` text generated from the
 * spec and errors that name the offending flag and the known ones.
 *
 * ```ts
 * const spec = {
 *   command: "deno task data",
 *   summary: "Fetch and verify the external data sets.",
 *   options: {
 *     suites: { type: "string", description: "comma-separated folders", valueName: "a,b" },
 *     offline: { type: "boolean", description: "never download" },
 *   },
 * } as const satisfies CliSpec;
 * const cli = parseCli(Deno.args, spec);
 * if (cli.help) { console.log(cli.helpText); Deno.exit(0); }
 * cli.values.suites; // string | undefined
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One flag of a command. */
export interface CliOption {
  /** `string` takes a value (`--name v` or `--name=v`); `boolean` is a switch. */
  type: "string" | "boolean";
  /** One-letter alias (`-s`). */
  short?: string;
  /** Value when the flag is absent. */
  default?: string | boolean;
  /** One line for `--help`. */
  description: string;
  /** Placeholder shown in `--help` for string flags. @default "value" */
  valueName?: string;
}

/** A command's flags and help text. */
export interface CliSpec {
  /** How the command is invoked (`deno task data`), shown in usage lines and errors. */
  command: string;
  /** One or two sentences on what the command does. */
  summary: string;
  /** Flags by long name (without `--`). `help` is added automatically. */
  options: Readonly<Record<string, CliOption>>;
  /** Positional arguments the command takes; none when absent. */
  positionals?: readonly { readonly name: string; readonly description: string }[];
  /** Copy-paste example invocations, shown at the end of `--help`. */
  examples?: readonly string[];
}

/** The type of a parsed flag value. */
type ValueOf<O extends CliOption> = O["type"] extends "boolean" ? boolean
  : O extends { default: string } ? string
  : string | undefined;

/** Parsed flag values, typed from the spec. */
export type CliValues<S extends CliSpec> = { [K in keyof S["options"]]: ValueOf<S["options"][K]> };

/** What {@link parseCli} returns. */
export interface CliResult<S extends CliSpec> {
  /** Flag values (booleans default to false). */
  values: CliValues<S>;
  /** Positional arguments in order. */
  positionals: string[];
  /** Whether `--help`/`-h` was given; print {@link CliResult.helpText} and exit. */
  help: boolean;
  /** The generated help text. */
  helpText: string;
}

/** A command line that does not fit the command's spec. */
export class CliError extends Error {
  /**
   * @param message what is wrong and what was expected
   */
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * Builds the `--help` text of a command.
 *
 * @param spec the command spec
 * @returns usage line, summary, one line per flag (with defaults) and examples
 */
export function cliHelp(spec: CliSpec): string {
  const pos = (spec.positionals ?? []).map((p) => ` <${p.name}>`).join("");
  const lines = [`Usage: ${spec.command} [options]${pos}`, "", spec.summary, ""];
  if (spec.positionals?.length) {
    lines.push("Arguments:");
    for (const p of spec.positionals) lines.push(`  <${p.name}>`.padEnd(28) + p.description);
    lines.push("");
  }
  lines.push("Options:");
  const entries: [string, CliOption][] = [
    ...Object.entries(spec.options),
    ["help", { type: "boolean", short: "h", description: "show this help and exit" }],
  ];
  for (const [name, o] of entries) {
    const flag = (o.short ? `-${o.short}, ` : "    ") + `--${name}` +
      (o.type === "string" ? ` <${o.valueName ?? "value"}>` : "");
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : "";
    lines.push(`  ${flag}`.padEnd(28) + o.description + def);
  }
  if (spec.examples?.length) {
    lines.push("", "Examples:");
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return lines.join("\n");
}

/** Edit distance, to suggest the closest known flag. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * Parses a command line against a spec (strict: unknown flags, missing values and unexpected
 * positionals are errors).
 *
 * @param args the arguments (`Deno.args`)
 * @param spec the command spec
 * @returns typed values, positionals, and whether help was asked for
 * @throws {CliError} naming the bad flag, the closest known flag and `--help`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCli } from "./cli.ts";
 * const spec = { command: "x", summary: "s", options: { n: { type: "string", description: "n" } } } as const;
 * assert.equal(parseCli(["--n", "3"], spec).values.n, "3");
 * assert.throws(() => parseCli(["--m", "3"], spec));
 * ```
 */
export function parseCli<S extends CliSpec>(args: string[], spec: S): CliResult<S> {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; default?: string | boolean }
  > = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
    if (o.default !== undefined) options[name].default = o.default;
    else if (o.type === "boolean") options[name].default = false;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: (spec.positionals?.length ?? 0) > 0,
    });
  } catch (e) {
    throw new CliError(describeParseError(e, spec));
  }
  const helpText = cliHelp(spec);
  const help = parsed.values.help === true;
  const nPos = spec.positionals?.length ?? 0;
  if (!help && parsed.positionals.length > nPos) {
    throw new CliError(
      `${spec.command}: expected at most ${nPos} argument(s), got ${parsed.positionals.length}: ` +
        `${parsed.positionals.join(" ")} (see --help)`,
    );
  }
  const values = { ...parsed.values } as Record<string, unknown>;
  delete values.help;
  return { values: values as CliValues<S>, positionals: parsed.positionals, help, helpText };
}

function describeParseError(e: unknown, spec: CliSpec): string {
  const err = e as { code?: string; message?: string };
  const known = Object.keys(spec.options).map((n) => `--${n}`).concat("--help");
  const msg = err.message ?? String(e);
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(msg)?.[1] ?? msg;
    const bare = flag.replace(/^-+/, "").split("=")[0];
    const best = known.map((k) => [k, distance(bare, k.slice(2))] as const)
      .sort((a, b) => a[1] - b[1])[0];
    const hint = best && best[1] <= 2 ? ` Did you mean ${best[0]}?` : "";
    return `${spec.command}: unknown option ${flag}.${hint} Known options: ${known.join(", ")}`;
  }
  if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return `${spec.command}: ${msg} (see --help)`;
  }
  if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return `${spec.command}: ${msg} (see --help)`;
  }
  return `${spec.command}: ${msg}`;
}

/**
 * Splits a comma-separated flag value into trimmed, non-empty items.
 *
 * @param value the flag value (undefined gives an empty list)
 * @returns the items
 */
export function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Runs a task's `main()` and exits with its status: a {@link CliError} prints its message
 * and exits 2, any other error prints `error: <message>` and exits 1.
 */
export async function runMain(main: () => Promise<number>): Promise<never> {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(e instanceof CliError ? e.message : `error: ${(e as Error).message}`);
    Deno.exit(e instanceof CliError ? 2 : 1);
  }
}

/**
 * Parses an integer flag value within `[min, max]`, or throws a {@link CliError} naming the
 * flag and the range.
 *
 * @param flag the flag's name, without `--`
 * @param value its text
 * @param min the least value allowed @default 1
 * @param max the largest value allowed @default Number.MAX_SAFE_INTEGER
 * @returns the integer
 */
export function intFlag(
  flag: string,
  value: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max !== Number.MAX_SAFE_INTEGER
      ? `an integer in ${min}..${max}`
      : min === 1
      ? "a positive integer"
      : min === 0
      ? "a non-negative integer"
      : `an integer >= ${min}`;
    throw new CliError(`--${flag}: expected ${range}, got "${value}"`);
  }
  return n;
}

/** Parses a positive integer flag value: {@link intFlag} with its defaults. */
export function positiveInt(flag: string, value: string): number {
  return intFlag(flag, value);
}
