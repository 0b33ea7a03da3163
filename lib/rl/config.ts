/**
 * Resolving the trainer config: verl's defaults -> a preset -> a JSON file -> Hydra-style
 * overrides, each layer validated as it is applied (an unknown key names its path and the
 * closest known key; a wrong type names the key, the expected type and the value), then
 * verl's inherited defaults (`critic.ppo_mini_batch_size` follows the actor's unless set),
 * then the cross-key checks of `config_checks.ts`. The result is frozen.
 *
 * ```ts
 * const cfg = resolveConfig({ preset: "smoke", overrides: ["actor_rollout_ref.rollout.n=8"] });
 * cfg.actor_rollout_ref.rollout.n; // 8
 * configHash(cfg); // sha256 hex of the canonical JSON
 * ```
 *
 * @module
 */

import { sha256Hex } from "../util/hash.ts";
import type { z } from "zod";
import { checkConfig } from "./config_checks.ts";
import { ConfigError } from "./config_error.ts";
import { INHERITED_KEYS } from "./config_keys.ts";
import {
  closestKey,
  flattenDelta,
  getPath,
  isPlainObject,
  pathKind,
  setPath,
} from "./config_paths.ts";
import { TRAINER_DEFAULTS, type TrainerConfig, trainerConfigSchema } from "./config_schema.ts";
import { type Override, parseOverride } from "./overrides.ts";
import { getPreset } from "./presets.ts";

export { ConfigError } from "./config_error.ts";

/** Options of {@link resolveConfig}. */
export interface ResolveOptions {
  /** A preset name (`grlo-paper`, `smoke`). @default none */
  preset?: string;
  /** A JSON file holding a partial config (e.g. a run's `config.json`). @default none */
  file?: string;
  /** Overrides, as strings (`a.b=1`, `~a.b`) or parsed. @default [] */
  overrides?: readonly (string | Override)[];
}

/** The config being built and the leaf keys some layer set explicitly. */
interface State {
  cfg: Record<string, unknown>;
  explicit: Set<string>;
}

const describe = (v: unknown) => v === undefined ? "nothing" : JSON.stringify(v) ?? String(v);

/** One line for the first zod issue, naming the key, the expectation and the value given. */
function issueMessage(where: string, issue: z.core.$ZodIssue, cfg: unknown): ConfigError {
  const path = issue.path.map(String);
  const key = path.join(".");
  if (issue.code === "unrecognized_keys") {
    const bad = [...path, issue.keys[0]].join(".");
    return unknownKey(where, bad);
  }
  const got = describe(getPath(cfg, path));
  let expected: string;
  switch (issue.code) {
    case "invalid_type":
      expected = issue.expected;
      break;
    case "invalid_value":
      expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join("|")}`;
      break;
    case "too_small":
      expected = `${issue.origin} ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
      break;
    case "too_big":
      expected = `${issue.origin} ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
      break;
    case "invalid_union":
      expected = issue.errors.map((e) => (e[0] as { expected?: string })?.expected ?? "?")
        .join(" or ");
      break;
    default:
      expected = issue.message;
  }
  return new ConfigError(key, `${where}: ${key}: expected ${expected}, got ${got}`);
}

function unknownKey(where: string, key: string): ConfigError {
  return new ConfigError(
    key,
    `${where}: unknown key ${key}; the closest known key is ${closestKey(key)}`,
  );
}

/** Validates the whole state; the first issue becomes a {@link ConfigError}. */
function validate(where: string, state: State): void {
  const r = trainerConfigSchema.safeParse(state.cfg);
  if (!r.success) throw issueMessage(where, r.error.issues[0], state.cfg);
}

/** Applies a partial config (a preset's delta or a file's object). */
function applyDelta(where: string, state: State, delta: Record<string, unknown>) {
  for (const [path, value] of flattenDelta(delta)) {
    if (pathKind(path) === "unknown") throw unknownKey(where, path.join("."));
    setPath(state.cfg, path, structuredClone(value));
    state.explicit.add(path.join("."));
  }
  validate(where, state);
}

/** Applies one override; an unquoted primitive given to a string key is kept as typed text. */
function applyOverride(state: State, o: Override) {
  const path = o.key.split(".");
  const where = `override ${o.text}`;
  if (pathKind(path) === "unknown") throw unknownKey(where, o.key);
  if (o.kind === "reset") {
    setPath(state.cfg, path, structuredClone(getPath(TRAINER_DEFAULTS, path)));
    for (const k of [...state.explicit]) {
      if (k === o.key || k.startsWith(`${o.key}.`)) state.explicit.delete(k);
    }
    validate(where, state);
    return;
  }
  const before = structuredClone(state.cfg);
  try {
    if (isPlainObject(o.value) && pathKind(path) !== "leaf") {
      applyDelta(where, state, Object.fromEntries([nest(o.key, o.value)]));
    } else {
      setPath(state.cfg, path, structuredClone(o.value));
      state.explicit.add(o.key);
      validate(where, state);
    }
  } catch (e) {
    const retry = !o.quoted && typeof o.value !== "string" && !isPlainObject(o.value) &&
      !Array.isArray(o.value) && o.value !== null;
    if (!retry || !(e instanceof ConfigError) || e.key !== o.key) throw e;
    state.cfg = before;
    setPath(state.cfg, path, o.raw);
    const r = trainerConfigSchema.safeParse(state.cfg);
    if (!r.success) throw e;
    state.explicit.add(o.key);
  }
}

/** `["a.b", v]` -> `["a", {b: v}]`. */
function nest(key: string, value: unknown): [string, unknown] {
  const [head, ...rest] = key.split(".");
  let v = value;
  for (const seg of rest.reverse()) v = { [seg]: v };
  return [head, v];
}

/** Reads a JSON config file (a partial config; a top-level `config_hash` is ignored). */
function readConfigFile(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(Deno.readTextFileSync(file));
  } catch (e) {
    throw new ConfigError("", `config file ${file}: ${(e as Error).message}`);
  }
  if (!isPlainObject(raw)) throw new ConfigError("", `config file ${file}: not a JSON object`);
  const { config_hash: _ignored, ...rest } = raw;
  return rest;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * Resolves a trainer config: defaults -> preset -> file -> overrides, each validated.
 *
 * @param options the layers
 * @returns the frozen config
 * @throws {ConfigError} naming the key of the first problem (unknown key with the closest
 *   known one, wrong type with the expected type and the value, impossible batch split, bad
 *   enum, a value the kit cannot honour, a key the preset requires)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveConfig } from "./config.ts";
 * const cfg = resolveConfig({
 *   preset: "smoke",
 *   overrides: ["data.train_batch_size=16", "actor_rollout_ref.actor.ppo_mini_batch_size=8"],
 * });
 * assert.equal(cfg.data.train_batch_size, 16);
 * assert.equal(cfg.critic.ppo_mini_batch_size, 8); // follows the actor's, as in verl
 * ```
 */
export function resolveConfig(options: ResolveOptions = {}): TrainerConfig {
  const state: State = { cfg: structuredClone(TRAINER_DEFAULTS), explicit: new Set() };
  const preset = options.preset === undefined ? undefined : getPreset(options.preset);
  if (preset) applyDelta(`preset ${preset.name}`, state, preset.delta as Record<string, unknown>);
  if (options.file !== undefined) {
    applyDelta(`config file ${options.file}`, state, readConfigFile(options.file));
  }
  for (const o of options.overrides ?? []) {
    applyOverride(state, typeof o === "string" ? parseOverride(o) : o);
  }
  for (const [target, source] of Object.entries(INHERITED_KEYS)) {
    if (!state.explicit.has(target)) {
      setPath(state.cfg, target.split("."), getPath(state.cfg, source.split(".")));
    }
  }
  for (const key of preset?.requires ?? []) {
    if (getPath(state.cfg, key.split(".")) === null) {
      throw new ConfigError(
        key,
        `preset ${preset!.name} needs ${key}: give it as an override (${key}=...)`,
      );
    }
  }
  const cfg = trainerConfigSchema.parse(state.cfg);
  checkConfig(cfg);
  return deepFreeze(cfg);
}

/** JSON with object keys sorted at every depth (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : isPlainObject(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])]))
      : v;
  return JSON.stringify(sort(value));
}

/**
 * The config's identity: sha256 (hex) of its canonical JSON, so key order never matters.
 *
 * @param cfg a config (resolved or not)
 * @returns 64 hex digits
 */
export function configHash(cfg: unknown): string {
  return sha256Hex(canonicalJson(cfg));
}
