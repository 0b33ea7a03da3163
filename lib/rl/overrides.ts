/**
 * Hydra-style overrides as verl users type them: `a.b.c=value`, `+a.b=value` (accepted for
 * known keys), `~a.b` (reset to the default), with Hydra's value grammar: ints, floats
 * (`1e-6`), `true/True/false/False`, `null` (and Python's `None`), quoted strings
 * (`'x'`, `"x"`), lists `[a,b]` and dicts `{k:v}` (JSON too), otherwise a bare string.
 *
 * ```ts
 * const o = parseOverride("actor_rollout_ref.actor.optim.lr=1e-6");
 * if (o.kind === "set") o.value; // 1e-6
 * parseOverrideArgs(["--out", "runs/x", "data.train_batch_size=8"]);
 * // { overrides: [{ kind: "set", key: "data.train_batch_size", value: 8, ... }], args: ["--out", "runs/x"] }
 * ```
 *
 * @module
 */

import { ConfigError } from "./config_error.ts";

/** One parsed override. */
export type Override =
  | {
    kind: "set";
    /** Dotted key (`data.train_batch_size`). */
    key: string;
    /** The value, parsed with Hydra's grammar. */
    value: unknown;
    /** The value as typed, quotes removed: used when the key expects a string (`name=123`). */
    raw: string;
    /** Whether the value was quoted (then it is a string, never converted). */
    quoted: boolean;
    /** Whether it was written `+key=` / `++key=`. */
    add: boolean;
    /** The argument as given. */
    text: string;
  }
  | { kind: "reset"; key: string; text: string };

const KEY = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;
const OVERRIDE_LIKE = /^(~|\+{1,2})?[A-Za-z_][\w.-]*(=|$)/;

/** Converts one unquoted Hydra primitive. */
function primitive(token: string): unknown {
  const t = token.trim();
  const num = t.replaceAll("_", "");
  if (/^[+-]?\d+$/.test(num)) return Number(num);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) return Number(num);
  if (/^[+-]?inf$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (/^true$/i.test(t)) return true;
  if (/^false$/i.test(t)) return false;
  if (/^null$/i.test(t) || t === "None") return null;
  return t;
}

/** A tiny recursive-descent parser of Hydra's list/dict values. */
class ValueParser {
  pos = 0;
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at character ${this.pos + 1} of ${this.s}`);
  }
  ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }
  value(stops: string): unknown {
    this.ws();
    const c = this.s[this.pos];
    if (c === "[") return this.list();
    if (c === "{") return this.dict();
    if (c === "'" || c === '"') return this.quoted();
    const start = this.pos;
    while (this.pos < this.s.length && !stops.includes(this.s[this.pos])) this.pos++;
    const token = this.s.slice(start, this.pos).trim();
    if (token === "") this.fail("missing value");
    return primitive(token);
  }
  quoted(): string {
    const q = this.s[this.pos++];
    let out = "";
    while (this.pos < this.s.length && this.s[this.pos] !== q) {
      if (this.s[this.pos] === "\\" && this.pos + 1 < this.s.length) this.pos++;
      out += this.s[this.pos++];
    }
    if (this.s[this.pos] !== q) this.fail("unterminated string");
    this.pos++;
    return out;
  }
  list(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.pos] === "]") return this.pos++, out;
    for (;;) {
      out.push(this.value(",]"));
      this.ws();
      const c = this.s[this.pos++];
      if (c === "]") return out;
      if (c !== ",") this.fail("expected , or ]");
    }
  }
  dict(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s[this.pos] === "}") return this.pos++, out;
    for (;;) {
      this.ws();
      const k = this.s[this.pos] === "'" || this.s[this.pos] === '"'
        ? this.quoted()
        : String(this.value(":,}"));
      this.ws();
      if (this.s[this.pos++] !== ":") this.fail("expected :");
      out[k] = this.value(",}");
      this.ws();
      const c = this.s[this.pos++];
      if (c === "}") return out;
      if (c !== ",") this.fail("expected , or }");
    }
  }
}

/**
 * Parses an override's value with Hydra's grammar.
 *
 * @param raw the text after `=` (non-empty)
 * @returns the value: number, boolean, null, string, list or dict
 * @throws {SyntaxError} for an unbalanced list/dict or a top-level comma (Hydra's sweep syntax)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOverrideValue } from "./overrides.ts";
 * assert.equal(parseOverrideValue("1e-6"), 1e-6);
 * assert.deepEqual(parseOverrideValue('["console"]'), ["console"]);
 * assert.equal(parseOverrideValue("'error'"), "error");
 * ```
 */
export function parseOverrideValue(raw: string): unknown {
  const t = raw.trim();
  const c = t[0];
  if (c === "[" || c === "{" || ((c === "'" || c === '"') && t.length >= 2 && t.endsWith(c))) {
    const p = new ValueParser(t);
    const v = p.value("");
    p.ws();
    if (p.pos !== t.length) p.fail("unexpected text after the value");
    return v;
  }
  if (t.includes(",")) {
    throw new SyntaxError(
      `${t}: a top-level comma is Hydra's sweep syntax; write [${t}] for a list or quote it`,
    );
  }
  return primitive(t);
}

/**
 * Parses one override argument.
 *
 * @param text `key=value`, `+key=value`, `++key=value` or `~key`
 * @returns the parsed override
 * @throws {ConfigError} naming the key for a malformed key, an empty value or a bad value
 */
export function parseOverride(text: string): Override {
  if (text.startsWith("~")) {
    const key = text.slice(1);
    if (key.includes("=")) {
      throw new ConfigError(key.split("=")[0], `${text}: write ~${key.split("=")[0]} to reset`);
    }
    if (!KEY.test(key)) throw new ConfigError(key, `${text}: not a dotted key`);
    return { kind: "reset", key, text };
  }
  const add = text.startsWith("+");
  const body = text.replace(/^\+{1,2}/, "");
  const eq = body.indexOf("=");
  if (eq < 0) {
    throw new ConfigError(body, `${text}: expected key=value (or ~key to reset a key)`);
  }
  const key = body.slice(0, eq), rawText = body.slice(eq + 1);
  if (!KEY.test(key)) throw new ConfigError(key, `${text}: "${key}" is not a dotted key`);
  if (rawText.trim() === "") {
    throw new ConfigError(
      key,
      `${key}= has no value: write ${key}=VALUE, ${key}=null, ${key}="''" for an empty string, ` +
        `or ~${key} to reset it`,
    );
  }
  let value: unknown;
  try {
    value = parseOverrideValue(rawText);
  } catch (e) {
    throw new ConfigError(key, `${key}: cannot parse the value: ${(e as Error).message}`);
  }
  const t = rawText.trim();
  const quoted = (t[0] === "'" || t[0] === '"') && t.length >= 2 && t.endsWith(t[0]);
  return { kind: "set", key, value, raw: quoted ? String(value) : t, quoted, add, text };
}

/** What {@link parseOverrideArgs} returns. */
export interface OverrideArgs {
  /** The overrides, in order (later ones win). */
  overrides: Override[];
  /** Everything else (flags and their values), in order, for `parseCli`. */
  args: string[];
}

/**
 * Separates `key=value` / `~key` items from the command's flags.
 *
 * @param argv the command line (`Deno.args`)
 * @returns the parsed overrides and the remaining arguments
 * @throws {ConfigError} for an override with an empty value, naming the key; when the next
 *   argument looks like the value split off by a space (GRLO's `path= <model>`), it says so
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOverrideArgs } from "./overrides.ts";
 * const r = parseOverrideArgs(["--dry-run", "data.train_batch_size=8", "--out", "runs/x"]);
 * assert.deepEqual(r.args, ["--dry-run", "--out", "runs/x"]);
 * assert.equal(r.overrides[0].key, "data.train_batch_size");
 * ```
 */
export function parseOverrideArgs(argv: readonly string[]): OverrideArgs {
  const overrides: Override[] = [], args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("-") || !OVERRIDE_LIKE.test(a) || (!a.includes("=") && !a.startsWith("~"))) {
      args.push(a);
      continue;
    }
    const next = argv[i + 1];
    if (
      a.endsWith("=") && next !== undefined && !next.startsWith("-") && !OVERRIDE_LIKE.test(next)
    ) {
      const key = a.slice(0, -1).replace(/^\+{1,2}/, "");
      throw new ConfigError(
        key,
        `${a} has no value and is followed by "${next}" as a separate argument (a space after ` +
          `"=", as in GRLO's train.sh "path= <model>"): write ${key}=${next}`,
      );
    }
    overrides.push(parseOverride(a));
  }
  return { overrides, args };
}
