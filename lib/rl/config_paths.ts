/**
 * Dotted key paths of the trainer config: which keys exist (walking the zod schema), the
 * closest known key to a misspelt one, and get/set/flatten on plain nested objects.
 *
 * @module
 */

import type { z } from "zod";
import { trainerConfigSchema } from "./config_schema.ts";

type AnySchema = z.ZodType;
interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  innerType?: AnySchema;
}
const defOf = (s: AnySchema): Def => (s as unknown as { def: Def }).def;

/** Unwraps nullable/optional/default wrappers. */
function unwrap(s: AnySchema): AnySchema {
  let d = defOf(s);
  while (d.innerType && ["nullable", "optional", "default", "prefault"].includes(d.type)) {
    s = d.innerType;
    d = defOf(s);
  }
  return s;
}

/** What a path names in the schema. */
export type PathKind = "object" | "record" | "leaf" | "unknown";

/**
 * Classifies a dotted path: an object section, an open record (any sub-key allowed, like
 * `custom_reward_function.reward_kwargs`), a leaf value, or unknown.
 *
 * @param path the key path segments
 * @returns the kind of node at that path
 */
export function pathKind(path: readonly string[]): PathKind {
  let s: AnySchema = trainerConfigSchema;
  for (const seg of path) {
    const d = defOf(unwrap(s));
    if (d.type === "record") return "record";
    if (d.type !== "object" || !d.shape || !Object.hasOwn(d.shape, seg)) return "unknown";
    s = d.shape[seg];
  }
  const t = defOf(unwrap(s)).type;
  return t === "object" ? "object" : t === "record" ? "record" : "leaf";
}

let known: string[] | null = null;

/**
 * Every key path of the schema (sections and leaves), in schema order.
 *
 * @returns dotted paths, e.g. `data`, `data.train_batch_size`, ...
 */
export function knownKeys(): readonly string[] {
  if (known) return known;
  const out: string[] = [];
  const walk = (s: AnySchema, prefix: string) => {
    const d = defOf(unwrap(s));
    if (d.type !== "object" || !d.shape) return;
    for (const [k, v] of Object.entries(d.shape)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p);
      walk(v, p);
    }
  };
  walk(trainerConfigSchema, "");
  return (known = out);
}

/** Levenshtein distance. */
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
 * The known key closest to a misspelt one: a key with the same last segment elsewhere in
 * the tree if there is one (`actor_rollout_ref.ppo_epochs` ->
 * `actor_rollout_ref.actor.ppo_epochs`), else the smallest edit distance over whole paths.
 *
 * @param key the unknown dotted key
 * @returns the closest known dotted key
 */
export function closestKey(key: string): string {
  const keys = knownKeys();
  const last = key.split(".").at(-1)!;
  const same = keys.filter((k) => k.split(".").at(-1) === last);
  const pool = same.length > 0 ? same : keys;
  let best = pool[0], bestD = Infinity;
  for (const k of pool) {
    const d = distance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

/** Whether a value is a plain object (not an array, not null). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads a value at a path of a nested object.
 *
 * @returns the value, or undefined when a segment is missing
 */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let o = obj;
  for (const seg of path) {
    if (!isPlainObject(o)) return undefined;
    o = o[seg];
  }
  return o;
}

/** Writes a value at a path of a nested object, creating sections as needed. */
export function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown) {
  let o = obj;
  for (const seg of path.slice(0, -1)) {
    if (!isPlainObject(o[seg])) o[seg] = {};
    o = o[seg] as Record<string, unknown>;
  }
  o[path.at(-1)!] = value;
}

/**
 * Flattens a (partial) config into `[path, value]` leaves: it descends into plain objects
 * where the schema has a section or an open record, and stops at leaves (so a wrongly
 * typed object value stays whole, for zod to report).
 *
 * @param delta the partial config
 * @param prefix the path of `delta` itself
 * @returns the leaves, unknown keys included (as leaves)
 */
export function flattenDelta(
  delta: Record<string, unknown>,
  prefix: readonly string[] = [],
): [string[], unknown][] {
  const out: [string[], unknown][] = [];
  for (const [k, v] of Object.entries(delta)) {
    const p = [...prefix, k];
    const kind = pathKind(p);
    if (isPlainObject(v) && (kind === "object" || kind === "record")) {
      const inner = flattenDelta(v, p);
      if (inner.length === 0 && kind === "record") out.push([p, v]);
      out.push(...inner);
    } else out.push([p, v]);
  }
  return out;
}
