/**
 * `deno task pretrain`: causal-LM pre-training of a small model on a text or JSONL corpus.
 *
 * ```sh
 * deno task pretrain --corpus data/toy/corpus.jsonl --preset toy --out runs/toy-base
 * deno task pretrain --corpus docs.txt --config my_config.json --out runs/base --steps 2000 --lr 1e-3
 * deno task pretrain --corpus data/toy/corpus.jsonl --preset toy --out runs/toy-base   # resumes
 * ```
 *
 * Writes OUT/metrics.jsonl, OUT/checkpoints/step-N (+ latest) and the final HF model in
 * OUT/model/ (config.json, model.safetensors, tokenizer files), which `deno task eval` and
 * `deno task train` load. Rerunning the same command resumes from the last checkpoint.
 *
 * @module
 */

import { CliError, type CliSpec, intFlag, parseCli, runMain } from "../lib/cli.ts";
import { readModelConfig } from "../lib/model/config_io.ts";
import { pretrain, toyModelConfig } from "../lib/train/pretrain.ts";

const spec = {
  command: "deno task pretrain",
  summary: "Pre-train a small causal LM on a corpus (.txt: blank-line separated documents; " +
    '.jsonl: {"text"} per line), with packing, a held-out split, checkpoints and resume.',
  options: {
    corpus: { type: "string", valueName: "FILE", description: "the training corpus" },
    val: {
      type: "string",
      valueName: "FILE",
      description: "held-out corpus (default: 5% of the documents)",
    },
    preset: {
      type: "string",
      valueName: "NAME",
      description: "toy (Qwen3, hidden 128, 4 layers, byte-level)",
    },
    config: {
      type: "string",
      valueName: "FILE",
      description: "an HF config.json of the model to train",
    },
    tokenizer: {
      type: "string",
      valueName: "DIR",
      description: "tokenizer files (default: byte-level)",
    },
    out: { type: "string", valueName: "DIR", description: "run directory" },
    steps: { type: "string", valueName: "N", default: "300", description: "optimizer steps" },
    lr: { type: "string", valueName: "X", default: "3e-3", description: "peak learning rate" },
    batch: { type: "string", valueName: "B", default: "8", description: "rows per step" },
    seq: { type: "string", valueName: "T", default: "256", description: "tokens per row" },
    seed: {
      type: "string",
      valueName: "S",
      default: "0",
      description: "init, split and order seed",
    },
    warmup: {
      type: "string",
      valueName: "N",
      description: "warmup steps (default: min(50, steps/10))",
    },
    "eval-every": {
      type: "string",
      valueName: "N",
      default: "25",
      description: "held-out loss every N steps",
    },
    "save-every": {
      type: "string",
      valueName: "N",
      default: "50",
      description: "checkpoint every N steps",
    },
    "max-steps": {
      type: "string",
      valueName: "N",
      description: "stop after N steps in this call (resumable)",
    },
    threads: { type: "string", valueName: "N", description: "onnxruntime threads" },
  },
  examples: [
    "deno task pretrain --corpus data/toy/corpus.jsonl --preset toy --out runs/toy-base",
    "deno task pretrain --corpus docs.txt --config config.json --out runs/base --steps 2000",
  ],
} as const satisfies CliSpec;

/** A positive float flag. */
function floatFlag(flag: string, value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !(Number.isFinite(x) && x > 0)) {
    throw new CliError(`--${flag}: expected a positive number, got "${value}"`);
  }
  return x;
}

async function main(): Promise<number> {
  const { values: v, help, helpText } = parseCli(Deno.args, spec);
  if (help) {
    console.log(helpText);
    return 0;
  }
  if (!v.corpus) throw new CliError(`${spec.command}: --corpus FILE is required (see --help)`);
  if (!v.out) throw new CliError(`${spec.command}: --out DIR is required (see --help)`);
  if ((v.preset === undefined) === (v.config === undefined)) {
    throw new CliError(`${spec.command}: give exactly one of --preset toy or --config FILE`);
  }
  if (v.preset !== undefined && v.preset !== "toy") {
    throw new CliError(`--preset: unknown preset "${v.preset}" (known: toy)`);
  }
  const model = v.config === undefined ? toyModelConfig() : await readModelConfig(v.config);
  const opt = (flag: string, x: string | undefined, min = 1) =>
    x === undefined ? undefined : intFlag(flag, x, min);
  const options = {
    corpus: v.corpus,
    val: v.val,
    model,
    tokenizer: v.tokenizer,
    out: v.out,
    steps: intFlag("steps", v.steps),
    lr: floatFlag("lr", v.lr),
    batch: intFlag("batch", v.batch),
    seq: intFlag("seq", v.seq),
    seed: intFlag("seed", v.seed, 0),
    warmup: opt("warmup", v.warmup, 0),
    evalEvery: intFlag("eval-every", v["eval-every"], 0),
    saveEvery: intFlag("save-every", v["save-every"], 0),
    maxSteps: opt("max-steps", v["max-steps"]),
    threads: opt("threads", v.threads),
  };
  console.error(
    JSON.stringify({
      ...options,
      model: `${model.architecture} hidden ${model.hiddenSize} x ${model.numHiddenLayers}`,
    }),
  );
  const r = await pretrain(options);
  console.error(
    `done: step ${r.step}/${r.totalSteps} in ${v.out}` +
      (r.resumedFrom !== null ? ` (resumed from step-${r.resumedFrom})` : "") +
      (r.final ? `; held-out loss ${r.final["val/loss"].toFixed(4)}; model in ${r.modelDir}` : ""),
  );
  return 0;
}

if (import.meta.main) await runMain(main);
