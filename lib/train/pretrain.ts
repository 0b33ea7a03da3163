/**
 * Causal-LM pre-training of a small model on a text or JSONL corpus: documents tokenized with
 * the model's tokenizer and packed into fixed-length rows with an eos between documents
 * (packing.ts), a held-out split of documents (or a separate validation file), AdamW with
 * linear warmup and cosine decay, gradient clipping, periodic held-out loss, checkpoints,
 * resume and metrics in the layout of `_loop.ts`, and the final HF model in `OUT/model/`.
 *
 * The batch of step s is a function of (seed, s): rows in a seeded permutation per epoch
 * (lib/rl/prompts.ts `promptsOfStep`), so a resumed run trains on exactly the batches an
 * uninterrupted one would and ends with the same weights.
 *
 * @module
 */

import { join } from "node:path";
import {
  cachedTrainArtifacts,
  encodeModel,
  type HostArray,
  type HostTensor,
  Session,
} from "../graph/mod.ts";
import { defineModelConfig, type ModelConfig } from "../model/config.ts";
import { toHfConfigJson } from "../model/config_io.ts";
import { buildCausalLmGraph } from "../model/graphs.ts";
import { lmTrainSpec } from "../model/lm_loss.ts";
import { parameterSpecs } from "../model/params.ts";
import { initParameters } from "../model/tiny.ts";
import { promptsOfStep, stepsPerEpoch } from "../rl/prompts.ts";
import {
  BYTE_LEVEL_VOCAB_SIZE,
  loadTokenizer,
  type Tokenizer,
  writeByteLevelTokenizer,
} from "../tokenizer/mod.ts";
import { TOKENIZER_FILES } from "../model/checkpoint.ts";
import { Rng } from "../util/rng.ts";
import { pathExists } from "../util/fs.ts";
import { loadCorpus } from "./corpus.ts";
import { type JobResult, runJob } from "./_loop.ts";
import { lmBatch, packDocuments, type PackedRows } from "./packing.ts";

/**
 * The `toy` preset's model: Qwen3 architecture with the byte-level tokenizer (261 ids),
 * hidden 128, 4 layers, 4 heads / 2 kv heads of 32, SwiGLU 384, context 512, tied embeddings
 * (~0.8M parameters: a few hundred steps at seq 256 on 2 cores reach a plateau on a small
 * synthetic corpus).
 *
 * @returns the config
 */
export function toyModelConfig(): ModelConfig {
  return defineModelConfig({
    arch: "qwen3",
    hiddenSize: 128,
    numHiddenLayers: 4,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 32,
    intermediateSize: 384,
    vocabSize: BYTE_LEVEL_VOCAB_SIZE,
    ropeTheta: 1e6,
    maxPositionEmbeddings: 512,
    tieWordEmbeddings: true,
    padTokenId: 256,
    eosTokenId: [258],
  });
}

/** Options of {@link pretrain}. */
export interface PretrainOptions {
  /** The corpus (see corpus.ts for the formats). */
  corpus: string;
  /** A held-out corpus; when absent, `valFraction` of the documents is held out. */
  val?: string;
  /** Share of documents held out when there is no `val` file. @default 0.05 */
  valFraction?: number;
  /** The model to train from scratch. */
  model: ModelConfig;
  /** Tokenizer directory (HF files); absent: the byte-level tokenizer (vocab 261 needed). */
  tokenizer?: string;
  /** The run directory. */
  out: string;
  /** Optimizer steps. @default 300 */
  steps?: number;
  /** Peak learning rate. @default 3e-3 */
  lr?: number;
  /** Rows per step. @default 8 */
  batch?: number;
  /** Tokens per row. @default 256 */
  seq?: number;
  /** Seed of the init, the split and the row order. @default 0 */
  seed?: number;
  /** Linear warmup steps. @default min(50, steps / 10) */
  warmup?: number;
  /** Cosine floor as a share of the peak lr. @default 0.1 */
  minLrRatio?: number;
  /** AdamW decoupled weight decay. @default 0.1 */
  weightDecay?: number;
  /** Gradient global-norm clip. @default 1 */
  maxGradNorm?: number;
  /** Held-out loss every this many steps. @default 25 */
  evalEvery?: number;
  /** Checkpoint every this many steps. @default 50 */
  saveEvery?: number;
  /** Held-out rows evaluated (the first ones). @default 64 */
  valRows?: number;
  /** Stop after this many steps in this call (resumable). */
  maxSteps?: number;
  /** ORT intra-op threads. */
  threads?: number;
  /** Status lines. @default console.error */
  log?: (line: string) => void;
}

/** The split and packed data of a pre-training run. */
export interface PretrainData {
  train: PackedRows;
  val: PackedRows;
  /** Documents in each split. */
  documents: { train: number; val: number };
}

/**
 * Loads, splits, tokenizes and packs the corpus.
 *
 * @param options corpus, val file or fraction, seed, seq
 * @param tokenizer the model's tokenizer
 * @param eosId the id put between documents
 * @returns packed train and held-out rows
 */
export async function preparePretrainData(
  options: Pick<PretrainOptions, "corpus" | "val" | "valFraction" | "seed" | "seq">,
  tokenizer: Tokenizer,
  eosId: number,
): Promise<PretrainData> {
  const docs = await loadCorpus(options.corpus);
  let trainDocs = docs, valDocs: string[];
  if (options.val !== undefined) valDocs = await loadCorpus(options.val);
  else {
    if (docs.length < 2) {
      throw new Error(
        `${options.corpus}: one document cannot be split into train and held-out parts; give --val FILE`,
      );
    }
    const order = docs.map((_, i) => i);
    new Rng((options.seed ?? 0) * 7919 + 17).shuffle(order);
    const n = Math.min(
      docs.length - 1,
      Math.max(1, Math.ceil((options.valFraction ?? 0.05) * docs.length)),
    );
    const held = new Set(order.slice(0, n));
    valDocs = docs.filter((_, i) => held.has(i));
    trainDocs = docs.filter((_, i) => !held.has(i));
  }
  const enc = (d: string) => tokenizer.encode(d, { addSpecialTokens: false });
  const pack = { seqLen: options.seq ?? 256, eosId, padId: tokenizer.padTokenId ?? eosId };
  return {
    train: packDocuments(trainDocs.map(enc), pack),
    val: packDocuments(valDocs.map(enc), pack),
    documents: { train: trainDocs.length, val: valDocs.length },
  };
}

/**
 * Mean next-token cross-entropy of a model over packed rows (a forward pass per batch).
 *
 * @param session a `buildCausalLmGraph(config, {output: "logprobs", weights: "inputs"})` session
 * @param config the model config
 * @param params the parameters
 * @param rows packed rows
 * @param options rows per batch @default 8
 * @returns mean NLL per target token (nats)
 */
export async function heldOutLoss(
  session: Session,
  config: ModelConfig,
  params: ReadonlyMap<string, HostArray>,
  rows: PackedRows,
  options: { batch?: number } = {},
): Promise<number> {
  const weights: Record<string, HostTensor> = {};
  for (const s of parameterSpecs(config)) {
    weights[s.name] = { dtype: "float32", shape: s.shape, data: params.get(s.name)! };
  }
  const B = options.batch ?? 8;
  let nll = 0, count = 0;
  for (let i = 0; i < rows.rows.length; i += B) {
    const idx = Array.from({ length: Math.min(B, rows.rows.length - i) }, (_, k) => i + k);
    const { feeds } = lmBatch(rows, idx);
    const { loss_mask, ...inputs } = feeds;
    const lp = (await session.run({ ...weights, ...inputs }, ["logprobs"])).logprobs
      .data as Float32Array;
    const mask = loss_mask.data as Float32Array;
    for (let k = 0; k < mask.length; k++) {
      if (mask[k] > 0) {
        nll -= lp[k];
        count++;
      }
    }
  }
  return count === 0 ? NaN : nll / count;
}

async function tokenizerDirOf(options: PretrainOptions): Promise<string> {
  const dir = join(options.out, "tokenizer");
  if (options.tokenizer !== undefined) {
    if (!await pathExists(join(options.tokenizer, "tokenizer.json"))) {
      throw new Error(`${options.tokenizer}: no tokenizer.json`);
    }
    await Deno.mkdir(dir, { recursive: true });
    for (const f of TOKENIZER_FILES) {
      try {
        await Deno.copyFile(join(options.tokenizer, f), join(dir, f));
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    return dir;
  }
  if (options.model.vocabSize !== BYTE_LEVEL_VOCAB_SIZE) {
    throw new Error(
      `the model's vocab_size is ${options.model.vocabSize}, the byte-level tokenizer has ${BYTE_LEVEL_VOCAB_SIZE} ids; give --tokenizer DIR`,
    );
  }
  await writeByteLevelTokenizer(dir, { modelMaxLength: options.model.maxPositionEmbeddings });
  return dir;
}

/**
 * Pre-trains a model from scratch (or resumes the run in `out`).
 *
 * @param options corpus, model, run directory and hyper-parameters
 * @returns the step reached, where it resumed from, final held-out loss, the model directory
 */
export async function pretrain(
  options: PretrainOptions,
): Promise<JobResult & { data: PretrainData }> {
  const log = options.log ?? ((l: string) => console.error(l));
  const steps = options.steps ?? 300, seq = options.seq ?? 256, seed = options.seed ?? 0;
  const config = options.model;
  if (config.task !== "causal-lm") {
    throw new Error(`pretrain: needs a causal-LM config, got ${config.architecture}`);
  }
  if (seq > config.maxPositionEmbeddings) {
    throw new Error(
      `--seq ${seq} exceeds the model's max_position_embeddings ${config.maxPositionEmbeddings}`,
    );
  }
  const tokenizerDir = await tokenizerDirOf(options);
  const tokenizer = await loadTokenizer(tokenizerDir);
  const eosId = tokenizer.eosTokenIds[0] ?? config.eosTokenId[0];
  if (eosId === undefined) throw new Error(`${tokenizerDir}: the tokenizer names no eos token`);
  const data = await preparePretrainData({ ...options, seq, seed }, tokenizer, eosId);
  const batch = Math.min(options.batch ?? 8, data.train.rows.length);
  log(
    `corpus: ${data.documents.train} train documents (${data.train.tokens} tokens, ${data.train.rows.length} rows of ${seq}), ` +
      `${data.documents.val} held out (${data.val.tokens} tokens)`,
  );
  const hyper = {
    lr: options.lr ?? 3e-3,
    warmup: options.warmup ?? Math.min(50, Math.floor(steps / 10)),
    minLrRatio: options.minLrRatio ?? 0.1,
    weightDecay: options.weightDecay ?? 0.1,
    maxGradNorm: options.maxGradNorm ?? 1,
  };
  const trainOptions = {
    optimizer: { weightDecay: hyper.weightDecay, beta1: 0.9, beta2: 0.95 },
    maxGradNorm: hyper.maxGradNorm,
  };
  const artifacts = await cachedTrainArtifacts(
    join(options.out, "artifacts"),
    JSON.stringify({ config, trainOptions }),
    () => lmTrainSpec(config, trainOptions),
  );
  const session = await Session.create(
    encodeModel(
      buildCausalLmGraph(config, { output: "logprobs", entropy: false, weights: "inputs" }),
    ),
    { threads: options.threads },
  );
  const val = { ...data.val, rows: data.val.rows.slice(0, options.valRows ?? 64) };
  try {
    const result = await runJob({
      out: options.out,
      config: {
        kind: "pretrain",
        corpus: options.corpus,
        val: options.val ?? null,
        valFraction: options.val === undefined ? (options.valFraction ?? 0.05) : null,
        model: toHfConfigJson(config),
        steps,
        batch,
        seq,
        seed,
        ...hyper,
      },
      model: config,
      initParams: initParameters(config, { seed }),
      artifacts,
      tokenizerDir,
      totalSteps: steps,
      schedule: { lr: hyper.lr, warmupSteps: hyper.warmup, minLrRatio: hyper.minLrRatio },
      batch: (step) => {
        const { epoch, indices } = promptsOfStep(step, data.train.rows.length, {
          batchSize: batch,
          shuffle: true,
          seed,
        });
        const b = lmBatch(data.train, indices);
        const position = (step % stepsPerEpoch(data.train.rows.length, batch)) * batch;
        return { feeds: b.feeds, tokens: b.targetTokens, data: { epoch, position } };
      },
      evaluate: async (params) => ({
        "val/loss": await heldOutLoss(session, config, params, val),
      }),
      evalEvery: options.evalEvery ?? 25,
      saveEvery: options.saveEvery ?? 50,
      maxSteps: options.maxSteps,
      threads: options.threads,
      log,
      label: "pretrain",
    });
    return { ...result, data };
  } finally {
    await session.release();
  }
}
