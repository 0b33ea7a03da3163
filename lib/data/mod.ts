/**
 * Data loading: JSONL/JSONL.gz with schema checks, the manifest of external data sets, and
 * their resolution (mirror -> cache -> verified download).
 *
 * @module
 */

export * from "./jsonl.ts";
export * from "./manifest.ts";
export * from "./download.ts";
export * from "./resolve.ts";
