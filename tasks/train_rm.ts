/**
 * `deno task train-rm`: a Bradley-Terry reward model on `{prompt, chosen, rejected}` pairs,
 * its backbone initialised from a causal LM.
 *
 * ```sh
 * deno task train-rm --pairs data/toy/pairs.jsonl --init runs/toy-base/model --out runs/toy-rm
 * deno task train-rm --pairs train.jsonl --val val.jsonl --init DIR --out runs/rm --steps 500
 * ```
 *
 * Pairs are rendered with the model's chat template exactly as `RewardModel` scores them;
 * held-out pairwise accuracy is reported per evaluation and at the end. OUT/model/ is a
 * `*ForSequenceClassification` HF directory with the tokenizer and chat template. Rerunning
 * the same command resumes from the last checkpoint.
 *
 * @module
 */

import { CliError, type CliSpec, intFlag, parseCli, runMain } from "../lib/cli.ts";
import { trainRewardModel } from "../lib/train/reward_training.ts";

const spec = {
  command: "deno task train-rm",
  summary: "Train a Bradley-Terry reward model (seq-cls head on a causal LM's backbone) on " +
    "preference pairs, with a held-out split, checkpoints and resume.",
  options: {
    pairs: {
      type: "string",
      valueName: "FILE",
      description: "JSONL of {prompt, chosen, rejected}",
    },
    val: {
      type: "string",
      valueName: "FILE",
      description: "held-out pairs (default: 10% of --pairs)",
    },
    init: {
      type: "string",
      valueName: "DIR",
      description: "the causal LM to start from (HF directory)",
    },
    out: { type: "string", valueName: "DIR", description: "run directory" },
    steps: { type: "string", valueName: "N", default: "200", description: "optimizer steps" },
    lr: { type: "string", valueName: "X", default: "1e-3", description: "peak learning rate" },
    batch: { type: "string", valueName: "P", default: "8", description: "pairs per step" },
    "max-length": {
      type: "string",
      valueName: "T",
      description: "longest sequence (default: min(512, model))",
    },
    seed: { type: "string", valueName: "S", default: "0", description: "split and order seed" },
    warmup: {
      type: "string",
      valueName: "N",
      description: "warmup steps (default: min(20, steps/10))",
    },
    "eval-every": {
      type: "string",
      valueName: "N",
      default: "25",
      description: "held-out accuracy every N steps",
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
    "deno task train-rm --pairs data/toy/pairs.jsonl --init runs/toy-base/model --out runs/toy-rm",
  ],
} as const satisfies CliSpec;

async function main(): Promise<number> {
  const { values: v, help, helpText } = parseCli(Deno.args, spec);
  if (help) {
    console.log(helpText);
    return 0;
  }
  for (const k of ["pairs", "init", "out"] as const) {
    if (!v[k]) throw new CliError(`${spec.command}: --${k} is required (see --help)`);
  }
  const lr = Number(v.lr);
  if (!(Number.isFinite(lr) && lr > 0)) {
    throw new CliError(`--lr: expected a positive number, got "${v.lr}"`);
  }
  const opt = (flag: string, x: string | undefined, min = 1) =>
    x === undefined ? undefined : intFlag(flag, x, min);
  const options = {
    pairs: v.pairs!,
    val: v.val,
    init: v.init!,
    out: v.out!,
    steps: intFlag("steps", v.steps),
    lr,
    batch: intFlag("batch", v.batch),
    maxLength: opt("max-length", v["max-length"], 2),
    seed: intFlag("seed", v.seed, 0),
    warmup: opt("warmup", v.warmup, 0),
    evalEvery: intFlag("eval-every", v["eval-every"], 0),
    saveEvery: intFlag("save-every", v["save-every"], 0),
    maxSteps: opt("max-steps", v["max-steps"]),
    threads: opt("threads", v.threads),
  };
  console.error(JSON.stringify(options));
  const r = await trainRewardModel(options);
  console.error(
    `done: step ${r.step}/${r.totalSteps} in ${options.out}` +
      (r.resumedFrom !== null ? ` (resumed from step-${r.resumedFrom})` : "") +
      (r.final
        ? `; held-out accuracy ${r.final["val/accuracy"].toFixed(3)}, loss ${
          r.final["val/loss"].toFixed(4)
        }; model in ${r.modelDir}`
        : ""),
  );
  return 0;
}

if (import.meta.main) await runMain(main);
