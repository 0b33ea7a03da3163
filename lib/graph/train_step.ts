/**
 * Train-step artifacts: from a loss and its parameters, the ONNX graphs that train them.
 *
 * - `train`: params + AdamW moments + step + lr + batch -> loss, metrics, updated params and
 *   moments, gradient global norm (with optional clipping). One run = one optimizer step.
 * - `grad`: params + batch -> loss, metrics, gradients, their global norm `grad_norm` (for
 *   accumulation over micro-batches, and for the host optimizer, which takes the norm from the
 *   runtime's vectorised reduction instead of a scalar pass over every gradient).
 * - `apply`: params + (accumulated) gradients + moments + step + lr -> updated params and
 *   moments, gradient norm: the optimizer half of `train`.
 *
 * Naming: parameters keep their (HF) names; moments are `adam_m.<name>` / `adam_v.<name>`;
 * gradients `grad.<name>`; updated values `new.<name>`, `new.adam_m.<name>`, `new.adam_v.<name>`.
 * Frozen parameters (trainable: false) are inputs of every graph but never updated.
 *
 * @module
 */

import { adamw, type AdamWConfig, DEFAULT_ADAMW } from "./adamw.ts";
import { grad } from "./autodiff.ts";
import type { DType } from "./dtype.ts";
import { Graph, GraphError, type Value } from "./ir.ts";
import { encodeModel } from "./onnx.ts";
import * as op from "./ops/mod.ts";
import { sha256Hex } from "../util/hash.ts";

/** One parameter of a train step. */
export interface ParamEntry {
  name: string;
  shape: number[];
  /** Whether the optimizer updates it. @default true */
  trainable?: boolean;
}

/** What a loss builder returns: the scalar loss and optional scalar metrics. */
export interface LossOutputs {
  loss: Value;
  metrics?: Record<string, Value>;
}

/** Everything needed to build the train-step artifacts. */
export interface TrainStepSpec {
  /** Parameters in a fixed order. */
  params: ParamEntry[];
  /** Declares the batch inputs on `g` and builds the loss from the parameter values. */
  build(g: Graph, params: Map<string, Value>): LossOutputs;
  /** Compute dtype of parameters and optimizer state. @default "float32" */
  dtype?: DType;
  /** AdamW hyper-parameters. @default DEFAULT_ADAMW */
  optimizer?: Partial<AdamWConfig>;
  /** Clip the gradient global norm to this value (0 = no clipping). @default 0 */
  maxGradNorm?: number;
}

/** The manifest stored beside the graphs. */
export interface TrainManifest {
  /** Content hash over the three graphs (sha256 hex). */
  hash: string;
  params: Required<ParamEntry>[];
  /** Batch input names with dtype and shape. */
  batchInputs: { name: string; dtype: DType; shape: (number | string)[] }[];
  metrics: string[];
  dtype: DType;
  optimizer: AdamWConfig;
  maxGradNorm: number;
}

/** The three encoded graphs and their manifest. */
export interface TrainArtifacts {
  train: Uint8Array;
  grad: Uint8Array;
  apply: Uint8Array;
  manifest: TrainManifest;
}

function declareParams(g: Graph, spec: TrainStepSpec, dtype: DType): Map<string, Value> {
  const values = new Map<string, Value>();
  for (const p of spec.params) values.set(p.name, g.input(p.name, dtype, p.shape));
  return values;
}

function trainableOf(spec: TrainStepSpec): ParamEntry[] {
  const list = spec.params.filter((p) => p.trainable !== false);
  if (list.length === 0) throw new GraphError("train step: no trainable parameters");
  return list;
}

/** Squared global norm of gradients, as a scalar. */
function globalNorm(grads: Value[]): Value {
  let total: Value | null = null;
  for (const g of grads) {
    const sq = op.reduceSum(op.mul(g, g), g.shape.map((_, i) => i));
    total = total ? op.add(total, sq) : sq;
  }
  return op.sqrt(total!);
}

/** The `grad` graph's outputs: every trainable parameter's gradient and their global norm. */
function outputGradients(g: Graph, spec: TrainStepSpec, grads: Value[]): void {
  const trainable = trainableOf(spec);
  grads.forEach((x, i) => g.output(x, `grad.${trainable[i].name}`));
  g.output(globalNorm(grads), "grad_norm");
}

/** Appends clipping + AdamW for every trainable parameter; outputs updated values and the norm. */
function appendOptimizer(
  g: Graph,
  spec: TrainStepSpec,
  params: Map<string, Value>,
  grads: Value[],
  dtype: DType,
): void {
  const trainable = trainableOf(spec);
  const lr = g.input("lr", dtype, []);
  const step = g.input("step", dtype, []);
  const norm = globalNorm(grads);
  g.output(norm, "grad_norm");
  let scaled = grads;
  const maxNorm = spec.maxGradNorm ?? 0;
  if (maxNorm > 0) {
    // torch.nn.utils.clip_grad_norm_: scale = min(1, max_norm / (norm + 1e-6)).
    const scale = op.min(op.div(op.scalarLike(norm, maxNorm), op.add(norm, 1e-6)), 1);
    scaled = grads.map((gr) => op.mul(gr, scale));
  }
  const cfg = { ...DEFAULT_ADAMW, ...spec.optimizer };
  trainable.forEach((p, i) => {
    const m = g.input(`adam_m.${p.name}`, dtype, p.shape);
    const v = g.input(`adam_v.${p.name}`, dtype, p.shape);
    const [p2, m2, v2] = adamw(params.get(p.name)!, scaled[i], m, v, lr, step, cfg);
    g.output(p2, `new.${p.name}`);
    g.output(m2, `new.adam_m.${p.name}`);
    g.output(v2, `new.adam_v.${p.name}`);
  });
}

function lossGraph(spec: TrainStepSpec, name: string, dtype: DType) {
  const g = new Graph(name);
  const params = declareParams(g, spec, dtype);
  const { loss, metrics = {} } = spec.build(g, params);
  if (loss.rank !== 0) throw new GraphError(`train step: loss ${loss.describe()} must be a scalar`);
  g.output(loss, "loss");
  for (const [k, v] of Object.entries(metrics)) g.output(v, `metric.${k}`);
  const forwardNodes = g.nodes.length;
  const grads = grad(loss, trainableOf(spec).map((p) => params.get(p.name)!));
  return { g, params, grads, metrics: Object.keys(metrics), forwardNodes };
}

/** A train-step node's phase: the loss, its gradients, or the optimizer (norm, clip, AdamW). */
export type TrainPhase = "forward" | "backward" | "optimizer";

/** Which phase each node of the `train` graph belongs to, as a profiler sees the nodes. */
export interface TrainPhases {
  /** By ONNX node name (a node is named after its first output). */
  nodes: Map<string, TrainPhase>;
  /** By kernel instance (function) name: the phase, or "mixed" if it occurs in several. */
  functions: Map<string, TrainPhase | "mixed">;
}

/**
 * Builds the `train` (or `grad`) graph of `spec` again (without encoding it) and returns the
 * phase of every node, for reading onnxruntime profiles (`deno task bench profile`).
 *
 * @param spec the train-step spec the artifacts were built from
 * @param graph which of the artifacts' graphs @default "train"
 * @returns node and kernel-instance names with their phases
 */
export function trainStepPhases(
  spec: TrainStepSpec,
  graph: "train" | "grad" = "train",
): TrainPhases {
  const dtype = spec.dtype ?? "float32";
  const t = lossGraph(spec, graph === "train" ? "train_step" : "grad_step", dtype);
  const backwardEnd = t.g.nodes.length;
  if (graph === "train") appendOptimizer(t.g, spec, t.params, t.grads, dtype);
  else outputGradients(t.g, spec, t.grads);
  const nodes = new Map<string, TrainPhase>(), functions = new Map<string, TrainPhase | "mixed">();
  t.g.nodes.forEach((n, i) => {
    const phase: TrainPhase = i < t.forwardNodes
      ? "forward"
      : i < backwardEnd
      ? "backward"
      : "optimizer";
    nodes.set(n.outputs[0]?.name ?? n.opType, phase);
    if (n.def.body) {
      const known = functions.get(n.opType);
      functions.set(n.opType, known === undefined || known === phase ? phase : "mixed");
    }
  });
  return { nodes, functions };
}

/** Builds and encodes the train, grad and apply graphs for a loss (build errors reject). */
// deno-lint-ignore require-await
export async function buildTrainArtifacts(spec: TrainStepSpec): Promise<TrainArtifacts> {
  const dtype = spec.dtype ?? "float32";
  const trainable = trainableOf(spec);

  const t = lossGraph(spec, "train_step", dtype);
  appendOptimizer(t.g, spec, t.params, t.grads, dtype);

  const gr = lossGraph(spec, "grad_step", dtype);
  outputGradients(gr.g, spec, gr.grads);

  const a = new Graph("apply_step");
  const aParams = declareParams(a, spec, dtype);
  const aGrads = trainable.map((p) => a.input(`grad.${p.name}`, dtype, p.shape));
  appendOptimizer(a, spec, aParams, aGrads, dtype);

  const paramNames = new Set(spec.params.map((p) => p.name));
  const batchInputs = t.g.inputs
    .filter((v) => !paramNames.has(v.name) && !/^(adam_[mv]\.|lr$|step$)/.test(v.name))
    .map((v) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] }));
  const train = encodeModel(t.g), gradBytes = encodeModel(gr.g), apply = encodeModel(a);
  const hash = sha256Hex([train, gradBytes, apply]);
  return {
    train,
    grad: gradBytes,
    apply,
    manifest: {
      hash,
      params: spec.params.map((p) => ({ ...p, trainable: p.trainable !== false })),
      batchInputs,
      metrics: t.metrics,
      dtype,
      optimizer: { ...DEFAULT_ADAMW, ...spec.optimizer },
      maxGradNorm: spec.maxGradNorm ?? 0,
    },
  };
}

const FILES = { train: "train.onnx", grad: "grad.onnx", apply: "apply.onnx" } as const;

/** Saves the artifact set to `dir` atomically (written to a temp dir, then renamed). */
export async function saveTrainArtifacts(dir: string, a: TrainArtifacts): Promise<void> {
  const tmp = `${dir}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(tmp, { recursive: true });
  for (const [k, f] of Object.entries(FILES)) {
    await Deno.writeFile(`${tmp}/${f}`, a[k as keyof typeof FILES]);
  }
  await Deno.writeTextFile(`${tmp}/manifest.json`, JSON.stringify(a.manifest, null, 2));
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.rename(tmp, dir);
}

/** Loads an artifact set; checks the content hash against the manifest. */
export async function loadTrainArtifacts(dir: string): Promise<TrainArtifacts> {
  let manifest: TrainManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
  } catch (e) {
    throw new Error(
      `${dir}/manifest.json: cannot read train-step manifest (${(e as Error).message})`,
    );
  }
  const train = await Deno.readFile(`${dir}/${FILES.train}`);
  const gradBytes = await Deno.readFile(`${dir}/${FILES.grad}`);
  const apply = await Deno.readFile(`${dir}/${FILES.apply}`);
  const hash = sha256Hex([train, gradBytes, apply]);
  if (hash !== manifest.hash) {
    throw new Error(`${dir}: graphs do not match manifest.json (hash ${hash} != ${manifest.hash})`);
  }
  return { train, grad: gradBytes, apply, manifest };
}

/**
 * The version of the graphs this module builds, part of every {@link cachedTrainArtifacts} key:
 * raised whenever the builders change what the graphs compute or output (2: `grad_norm` in the
 * `grad` graph; 3: an LM head's weight gradient as a transposed product; 4: a Gather's gradient
 * scattered into the other contributions; 5: RoPE as the native RotaryEmbedding), so a run
 * directory's cached artifacts from an older kit are rebuilt.
 */
export const TRAIN_GRAPHS_VERSION = 5;

/**
 * Loads the artifacts from `dir` when they were built from the same spec (same cheap spec key
 * and {@link TRAIN_GRAPHS_VERSION}), else builds and saves them. The key should identify the
 * spec: model config, loss options, optimizer, batch shapes.
 */
export async function cachedTrainArtifacts(
  dir: string,
  key: string,
  spec: () => TrainStepSpec,
): Promise<TrainArtifacts> {
  const keyFile = `${dir}/spec_key.txt`;
  const fullKey = `${TRAIN_GRAPHS_VERSION}\n${key}`;
  try {
    if ((await Deno.readTextFile(keyFile)) === fullKey) return await loadTrainArtifacts(dir);
  } catch { /* missing or stale: rebuild */ }
  const a = await buildTrainArtifacts(spec());
  await saveTrainArtifacts(dir, a);
  await Deno.writeTextFile(keyFile, fullKey);
  return a;
}
