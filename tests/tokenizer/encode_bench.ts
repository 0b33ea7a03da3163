/**
 * Tokenizer throughput on ~1 MB of text (not part of `deno task test`):
 *
 *   deno bench --allow-all tests/tokenizer/encode_bench.ts
 *
 * Throughput in MB/s = 1 / (time per iteration in s) for the 1 MB cases. "gsm8k" reads the
 * first 1 MB of `../shared/data/gsm8k/train.jsonl` (or `$GRLO_DATA_DIR/gsm8k/train.jsonl`) and
 * is skipped without it; "multilingual" repeats the round-trip text set to 1 MB.
 *
 * @module
 */

import { join } from "node:path";
import { byteLevel, qwen3, ROUND_TRIP_TEXTS } from "./_fixtures.ts";
import { DecodeStream } from "../../lib/tokenizer/mod.ts";

const MB = 1_000_000;

/** The first `bytes` bytes of `text` repeated, cut back to a character boundary. */
function toSize(text: string, bytes: number): string {
  const encoded = new TextEncoder().encode(text.repeat(Math.ceil(bytes / text.length)));
  return new TextDecoder().decode(encoded.subarray(0, bytes)).replace(/\uFFFD$/, "");
}

const dataDir = Deno.env.get("GRLO_DATA_DIR") ?? join(import.meta.dirname!, "../../../shared/data");
const gsm8k = await Deno.readTextFile(join(dataDir, "gsm8k/train.jsonl")).catch(() => null);
if (gsm8k === null) console.error(`skipping gsm8k benches: no ${dataDir}/gsm8k/train.jsonl`);
const multilingual = toSize(Object.values(ROUND_TRIP_TEXTS).join("\n"), MB);
const qwen = await qwen3();
const bytes = byteLevel();

if (gsm8k !== null) {
  const text = toSize(gsm8k, MB);
  Deno.bench("Qwen3 encode 1 MB gsm8k", { group: "encode" }, () => void qwen.encode(text));
  const ids = qwen.encode(text);
  Deno.bench("Qwen3 decode 1 MB gsm8k", { group: "decode" }, () => void qwen.decode(ids));
  Deno.bench("Qwen3 DecodeStream 10k tokens of gsm8k", { group: "stream" }, () => {
    const stream = new DecodeStream(qwen);
    for (const id of ids.slice(0, 10_000)) stream.step(id);
  });
}
Deno.bench("Qwen3 encode 1 MB multilingual", { group: "encode" }, () => {
  void qwen.encode(multilingual);
});
Deno.bench("byte-level encode 1 MB multilingual", { group: "encode" }, () => {
  void bytes.encode(multilingual);
});
const byteIds = bytes.encode(multilingual);
Deno.bench("byte-level decode 1 MB multilingual", { group: "decode" }, () => {
  void bytes.decode(byteIds);
});
