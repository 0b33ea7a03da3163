/**
 * Fetch and verify the external data sets of `data/datasets.json`.
 *
 * ```sh
 * deno task data                                  # everything, into ~/.cache/grlo-kit/data
 * deno task data --suites gsm8k,math500           # only these folders
 * deno task data --mirror ../shared/data          # verify a local mirror (missing files are downloaded)
 * GRLO_DATA_DIR=../shared/data deno task data     # same, through the environment
 * deno task data --list                           # show the manifest and exit
 * ```
 *
 * Each file is looked up in the mirror, then the cache, then downloaded (with progress),
 * its sha256 checked and its rows counted. Exits 1 if any file is unavailable or wrong.
 *
 * @module
 */

import { CliError, parseCli, runMain, splitList } from "../lib/cli.ts";
import { datasetId, type DatasetManifest, MANIFEST, parseManifest } from "../lib/data/manifest.ts";
import { defaultCacheDir, resolveDataFile } from "../lib/data/resolve.ts";
import { readMaybeGzipText } from "../lib/data/jsonl.ts";
import { createProgress, formatAmount, type Progress } from "../lib/util/progress.ts";

const spec = {
  command: "deno task data",
  summary:
    "Fetch (or find in a local mirror) every external data set, check its sha256 and row count.",
  options: {
    suites: {
      type: "string",
      valueName: "a,b",
      description: "only these folders (e.g. gsm8k,math500)",
    },
    mirror: {
      type: "string",
      valueName: "DIR",
      description: "local mirror laid out like ../shared/data (env GRLO_DATA_DIR)",
    },
    cache: {
      type: "string",
      valueName: "DIR",
      description: "download cache (env GRLO_CACHE_DIR, default ~/.cache/grlo-kit/data)",
    },
    offline: { type: "boolean", description: "never download; report what is missing" },
    list: { type: "boolean", description: "print the manifest and exit" },
    manifest: {
      type: "string",
      valueName: "FILE",
      description: "another manifest in the format of data/datasets.json (e.g. other mirrors)",
    },
  },
  examples: ["deno task data --suites gsm8k,math500", "deno task data --mirror ../shared/data"],
} as const;

async function main(): Promise<number> {
  const cli = parseCli(Deno.args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return 0;
  }
  const manifest: DatasetManifest = cli.values.manifest
    ? parseManifest(JSON.parse(await Deno.readTextFile(cli.values.manifest)), cli.values.manifest)
    : MANIFEST;
  const folders = [...new Set(manifest.files.map((f) => f.folder))];
  const wanted = splitList(cli.values.suites);
  for (const w of wanted) {
    if (!folders.includes(w)) {
      throw new CliError(`--suites: unknown folder "${w}"; known: ${folders.join(", ")}`);
    }
  }
  const files = manifest.files.filter((f) => wanted.length === 0 || wanted.includes(f.folder));
  if (cli.values.list) {
    for (const f of files) {
      console.log(
        `${datasetId(f).padEnd(36)} ${String(f.rows).padStart(5)} rows  ${
          formatAmount(f.bytes, "B").padStart(8)
        }  ${f.url}`,
      );
    }
    return 0;
  }
  const cacheDir = cli.values.cache ?? defaultCacheDir();
  console.log(JSON.stringify({
    files: files.length,
    mirror: cli.values.mirror ?? Deno.env.get("GRLO_DATA_DIR") ?? null,
    cache: cacheDir,
    offline: cli.values.offline,
  }));
  let failed = 0;
  for (const f of files) {
    const id = datasetId(f);
    let bar: Progress | null = null;
    try {
      const r = await resolveDataFile(id, {
        manifest,
        dataDir: cli.values.mirror,
        cacheDir,
        offline: cli.values.offline || undefined,
        onProgress: (p) => {
          bar ??= createProgress({ total: p.total, label: `  ${id}`, unit: "B", intervalMs: 250 });
          bar.update(p.received);
          if (p.done) bar.finish();
        },
      });
      const text = await readMaybeGzipText(r.path);
      const rows = text.split("\n").filter((l) => l.trim() !== "").length;
      if (rows !== f.rows) throw new Error(`${r.path}: expected ${f.rows} rows, found ${rows}`);
      console.log(
        `ok    ${id.padEnd(36)} ${
          String(rows).padStart(5)
        } rows  sha256 ok  (${r.from}: ${r.path})`,
      );
    } catch (e) {
      failed++;
      console.log(`FAIL  ${id}: ${(e as Error).message}`);
    }
  }
  console.log(
    failed === 0
      ? `all ${files.length} file(s) present and verified`
      : `${failed} of ${files.length} file(s) failed`,
  );
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) await runMain(main);
