/**
 * Model utilities: make a tiny random model, print logits of a token sequence, describe a
 * model directory.
 *
 * ```sh
 * deno task model init --arch qwen3 --config tiny.json --seed 1 --out runs/tiny   # HF config fields
 * deno task model init --config M --seed 1 --out runs/bench-m                   # a benchmark config
 * deno task model logits --model runs/tiny --ids 1,2,3 --out logits.json
 * deno task model info --model runs/tiny
 * deno task model score --model runs/tiny-rm --ids "1,2,3;4,5" --out scores.json
 * ```
 *
 * `init` writes config.json + model.safetensors and, when the vocabulary can hold it, the
 * byte-level tokenizer (tokenizer.json, tokenizer_config.json; eos <|im_end|>, pad
 * <|endoftext|>). `logits` writes `{ids, logits [T][V], token_logprobs [T-1], next_token}`.
 * `score` runs a sequence-classification model on token rows (`;` between rows) and writes
 * `{scores: [[num_labels] per row]}`, each read at the row's last non-pad token (trailing
 * `pad_token_id`s are padding, as in transformers).
 *
 * @module
 */

import { CliError, type CliSpec, parseCli, runMain, splitList } from "../lib/cli.ts";
import { encodeModel, type HostTensor, Session } from "../lib/graph/mod.ts";
import {
  benchConfig,
  buildRewardGraph,
  CausalLmRunner,
  createTinyModel,
  loadModel,
  type ModelConfig,
  openModelWeights,
  padBatch,
  parameterSpecs,
  parseModelConfig,
  readModelConfig,
} from "../lib/model/mod.ts";
import { BYTE_LEVEL_VOCAB_SIZE, writeByteLevelTokenizer } from "../lib/tokenizer/mod.ts";
import { writeJsonAtomic } from "../lib/util/atomic.ts";

const initSpec = {
  command: "deno task model init",
  summary:
    "Write a random-initialised HF model directory (config.json, model.safetensors, tokenizer).",
  options: {
    arch: {
      type: "string",
      valueName: "qwen3|llama",
      description: "architecture when the config file names none",
    },
    config: {
      type: "string",
      valueName: "FILE.json|S|M",
      description: "HF config.json fields, or a benchmark config",
    },
    seed: { type: "string", default: "0", valueName: "N", description: "random seed" },
    out: { type: "string", valueName: "DIR", description: "output directory" },
    dtype: {
      type: "string",
      default: "F32",
      valueName: "F32|BF16|F16",
      description: "stored weight dtype",
    },
    tokenizer: {
      type: "string",
      default: "auto",
      valueName: "auto|byte-level|none",
      description:
        "tokenizer files to write (auto: byte-level when the vocabulary holds its 261 ids)",
    },
  },
  examples: ["deno task model init --arch qwen3 --config tiny.json --seed 1 --out runs/tiny"],
} as const satisfies CliSpec;

const logitsSpec = {
  command: "deno task model logits",
  summary:
    "Run a causal LM on one token sequence; print (or write) logits and next-token log-probs as JSON.",
  options: {
    model: { type: "string", valueName: "DIR", description: "HF model directory" },
    ids: { type: "string", valueName: "1,2,3", description: "token ids" },
    out: {
      type: "string",
      valueName: "F.json",
      description: "write the JSON here instead of stdout",
    },
    threads: {
      type: "string",
      default: "2",
      valueName: "N",
      description: "onnxruntime intra-op threads",
    },
  },
  examples: ["deno task model logits --model runs/tiny --ids 1,2,3 --out logits.json"],
} as const satisfies CliSpec;

const infoSpec = {
  command: "deno task model info",
  summary: "Print a model directory's config summary, parameter counts and tensor shapes.",
  options: {
    model: { type: "string", valueName: "DIR", description: "HF model directory" },
    json: { type: "boolean", description: "print one JSON object instead of a table" },
  },
} as const satisfies CliSpec;

const scoreSpec = {
  command: "deno task model score",
  summary: "Run a sequence-classification model on token rows; print (or write) " +
    "{scores: [[num_labels] per row]} read at each row's last non-pad token.",
  options: {
    model: { type: "string", valueName: "DIR", description: "HF seq-cls model directory" },
    ids: { type: "string", valueName: "1,2,3;4,5", description: "token rows, ';' between rows" },
    out: {
      type: "string",
      valueName: "F.json",
      description: "write the JSON here instead of stdout",
    },
    threads: {
      type: "string",
      default: "2",
      valueName: "N",
      description: "onnxruntime intra-op threads",
    },
  },
  examples: ['deno task model score --model runs/tiny-rm --ids "1,2,3;4,5"'],
} as const satisfies CliSpec;

const USAGE =
  "Usage: deno task model <init|logits|info|score> [options]   (--help after a command for its options)";

function need(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value === "") {
    throw new CliError(`${command}: --${flag} is required (see --help)`);
  }
  return value;
}

function intFlag(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CliError(`--${flag}: expected a non-negative integer, got "${value}"`);
  }
  return n;
}

async function readInitConfig(source: string, arch: string | undefined): Promise<ModelConfig> {
  if (source === "S" || source === "M") return benchConfig(source);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await Deno.readTextFile(source));
  } catch (e) {
    throw new CliError(`--config ${source}: cannot read a JSON object (${(e as Error).message})`);
  }
  if (arch !== undefined && arch !== "qwen3" && arch !== "llama") {
    throw new CliError(`--arch: expected qwen3 or llama, got "${arch}"`);
  }
  const type = (raw.model_type as string | undefined) ?? arch;
  if (!type) throw new CliError(`${source}: no "model_type"; pass --arch qwen3|llama`);
  if (arch && raw.model_type && raw.model_type !== arch) {
    throw new CliError(`--arch ${arch} disagrees with ${source}'s model_type "${raw.model_type}"`);
  }
  raw.model_type = type;
  raw.architectures ??= [type === "qwen3" ? "Qwen3ForCausalLM" : "LlamaForCausalLM"];
  return parseModelConfig(raw, source);
}

async function init(args: string[]): Promise<void> {
  const cli = parseCli(args, initSpec);
  if (cli.help) return console.log(cli.helpText);
  const v = cli.values;
  const out = need(v.out, "out", initSpec.command);
  let config = await readInitConfig(need(v.config, "config", initSpec.command), v.arch);
  const dtype = v.dtype as "F32" | "BF16" | "F16";
  if (!["F32", "BF16", "F16"].includes(dtype)) {
    throw new CliError(`--dtype: expected F32, BF16 or F16, got "${v.dtype}"`);
  }
  if (!["auto", "byte-level", "none"].includes(v.tokenizer)) {
    throw new CliError(`--tokenizer: expected auto, byte-level or none, got "${v.tokenizer}"`);
  }
  const fits = config.vocabSize >= BYTE_LEVEL_VOCAB_SIZE;
  if (v.tokenizer === "byte-level" && !fits) {
    throw new CliError(
      `--tokenizer byte-level needs vocab_size >= ${BYTE_LEVEL_VOCAB_SIZE}, the config has ${config.vocabSize}`,
    );
  }
  const tokenizer = v.tokenizer === "byte-level" || (v.tokenizer === "auto" && fits);
  if (tokenizer && config.eosTokenId.length === 0) {
    config = { ...config, eosTokenId: [258], padTokenId: config.padTokenId ?? 256 };
  }
  const params = await createTinyModel(out, config, { seed: intFlag(v.seed, "seed"), dtype });
  if (tokenizer) {
    await writeByteLevelTokenizer(out, { modelMaxLength: config.maxPositionEmbeddings });
  }
  const count = [...params.values()].reduce((n, t) => n + t.data.length, 0);
  console.log(
    `wrote ${out}: ${config.architecture}, ${count.toLocaleString("en")} parameters (${dtype})` +
      (tokenizer ? ", byte-level tokenizer" : ", no tokenizer"),
  );
}

async function logits(args: string[]): Promise<void> {
  const cli = parseCli(args, logitsSpec);
  if (cli.help) return console.log(cli.helpText);
  const v = cli.values;
  const ids = splitList(need(v.ids, "ids", logitsSpec.command)).map((s) => intFlag(s, "ids"));
  if (ids.length === 0) throw new CliError(`--ids: no token ids given`);
  const runner = await CausalLmRunner.load(need(v.model, "model", logitsSpec.command), {
    threads: intFlag(v.threads, "threads"),
  });
  try {
    const V = runner.config.vocabSize;
    const bad = ids.find((id) => id >= V);
    if (bad !== undefined) {
      throw new CliError(`--ids: ${bad} is outside the vocabulary (vocab_size ${V})`);
    }
    const batch = padBatch([ids]);
    const T = ids.length;
    const out = (await runner.logits(batch)).data as Float32Array;
    const targets = BigInt64Array.from(ids, (_, t) => BigInt(ids[Math.min(t + 1, T - 1)]));
    const lp = (await runner.tokenLogprobs(batch, targets)).logprobs.data as Float32Array;
    const rows = Array.from({ length: T }, (_, t) => Array.from(out.subarray(t * V, (t + 1) * V)));
    const last = rows[T - 1];
    const result = {
      ids,
      logits: rows,
      token_logprobs: Array.from(lp.subarray(0, T - 1)),
      next_token: last.indexOf(Math.max(...last)),
    };
    if (v.out) {
      await writeJsonAtomic(v.out, result);
      console.log(`wrote ${v.out}: logits [${T}][${V}], next token ${result.next_token}`);
    } else console.log(JSON.stringify(result));
  } finally {
    await runner.release();
  }
}

async function info(args: string[]): Promise<void> {
  const cli = parseCli(args, infoSpec);
  if (cli.help) return console.log(cli.helpText);
  const dir = need(cli.values.model, "model", infoSpec.command);
  const config = await readModelConfig(dir);
  const reader = await openModelWeights(dir);
  try {
    const tensors = parameterSpecs(config).map((s) => {
      const i = reader.info(s.name);
      return {
        name: s.name,
        shape: i.shape,
        dtype: i.dtype,
        count: i.shape.reduce((a, b) => a * b, 1),
      };
    });
    const total = tensors.reduce((n, t) => n + t.count, 0);
    const embedding = tensors.find((t) => t.name === "model.embed_tokens.weight")!.count;
    const summary = {
      architecture: config.architecture,
      layers: config.numHiddenLayers,
      hidden: config.hiddenSize,
      heads: config.numAttentionHeads,
      kv_heads: config.numKeyValueHeads,
      head_dim: config.headDim,
      intermediate: config.intermediateSize,
      vocab: config.vocabSize,
      tied_embeddings: config.tieWordEmbeddings,
      parameters: total,
      non_embedding_parameters: total - embedding,
    };
    if (cli.values.json) return console.log(JSON.stringify({ ...summary, tensors }));
    for (const [k, val] of Object.entries(summary)) {
      console.log(`${k.padEnd(26)}${typeof val === "number" ? val.toLocaleString("en") : val}`);
    }
    console.log("");
    for (const t of tensors) {
      console.log(`${t.name.padEnd(52)}${`[${t.shape.join(", ")}]`.padEnd(16)}${t.dtype}`);
    }
  } finally {
    await reader.close();
  }
}

/** Parameters above this many bytes are fed as inputs (a ModelProto is capped at 2 GB). */
const MAX_INITIALIZER_BYTES = 1.5 * 2 ** 30;

/** Token rows of `--ids` ("1,2,3;4,5"), each without its trailing pad ids. */
function scoreRows(text: string, pad: number | null, vocab: number): number[][] {
  return text.split(";").map((row, r) => {
    const ids = splitList(row).map((s) => intFlag(s, "ids"));
    const bad = ids.find((id) => id >= vocab);
    if (bad !== undefined) {
      throw new CliError(`--ids: row ${r}: ${bad} is outside the vocabulary (vocab_size ${vocab})`);
    }
    let end = ids.length;
    while (pad !== null && end > 0 && ids[end - 1] === pad) end--;
    if (end === 0) throw new CliError(`--ids: row ${r} has no token other than padding`);
    return ids.slice(0, end);
  });
}

async function score(args: string[]): Promise<void> {
  const cli = parseCli(args, scoreSpec);
  if (cli.help) return console.log(cli.helpText);
  const v = cli.values;
  const idsText = need(v.ids, "ids", scoreSpec.command);
  const { config, params } = await loadModel(need(v.model, "model", scoreSpec.command));
  if (config.task !== "seq-cls") {
    throw new CliError(
      `--model: expected a *ForSequenceClassification model, got ${config.architecture}`,
    );
  }
  const rows = scoreRows(idsText, config.padTokenId, config.vocabSize);
  const bytes = [...params.values()].reduce((n, t) => n + t.data.byteLength, 0);
  const asInputs = bytes > MAX_INITIALIZER_BYTES;
  const graph = buildRewardGraph(config, { weights: asInputs ? "inputs" : params });
  const session = await Session.create(encodeModel(graph), {
    threads: intFlag(v.threads, "threads"),
  });
  try {
    const batch = padBatch(rows, { side: "right", padId: config.padTokenId ?? 0 });
    const feeds: Record<string, HostTensor> = { ...batch.feeds };
    if (asInputs) {
      for (const [name, t] of params) {
        feeds[name] = { dtype: "float32", shape: t.shape, data: t.data };
      }
    }
    const out = (await session.run(feeds, ["scores"])).scores.data as Float32Array;
    const L = config.numLabels;
    const result = {
      scores: rows.map((_, b) => Array.from(out.subarray(b * L, (b + 1) * L))),
    };
    if (v.out) {
      await writeJsonAtomic(v.out, result);
      console.log(`wrote ${v.out}: scores [${rows.length}][${L}]`);
    } else console.log(JSON.stringify(result));
  } finally {
    await session.release();
  }
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  init,
  logits,
  info,
  score,
};

async function main(): Promise<number> {
  const [command, ...rest] = Deno.args;
  const run = COMMANDS[command ?? ""];
  if (run) {
    await run(rest);
    return 0;
  }
  if (command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  throw new CliError(command ? `unknown command "${command}". ${USAGE}` : USAGE);
}

if (import.meta.main) await runMain(main);
