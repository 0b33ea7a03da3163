/**
 * Runs train-step artifacts: holds parameters, AdamW moments and the step counter on the
 * host and feeds them through the `train` graph (one step) or through `grad` per
 * micro-batch plus `apply` (gradient accumulation).
 *
 * @module
 */

import { keepFreedMemory } from "../util/malloc.ts";
import { sumOfSquares } from "./adamw_host.ts";
import { adamwHostStepAll } from "./adamw_pool.ts";
import { allocHost, type HostArray } from "./dtype.ts";
import { defaultProvider, type HostTensor, Session, type SessionOptions } from "./session.ts";
import type { TrainArtifacts } from "./train_step.ts";

/** What one optimizer step reports. */
export interface StepResult {
  /** Loss (weighted mean over micro-batches when accumulating). */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Scalar metrics declared by the loss builder (weighted means). */
  metrics: Record<string, number>;
}

/** Parameters and optimizer state, by parameter name. */
export interface TrainState {
  params: Map<string, HostArray>;
  m: Map<string, HostArray>;
  v: Map<string, HostArray>;
  /** Optimizer steps taken so far. */
  step: number;
}

/**
 * Where the optimizer (gradient norm, clipping, AdamW) runs: inside the `train`/`apply` graphs,
 * or on the host in one fused pass per parameter after the `grad` graph (CPU provider: the
 * graph's AdamW reads and writes every tensor a dozen times and copies parameters and both
 * moments out of the runtime; the host pass reads each once and copies only the gradients).
 */
export type OptimizerPlacement = "graph" | "host";

/** Options of {@link TrainRunner.create}. */
export interface TrainRunnerOptions extends SessionOptions {
  /** A saved optimizer state to continue from. */
  resume?: Omit<TrainState, "params">;
  /** @default "host" on the CPU provider, else "graph" */
  optimizer?: OptimizerPlacement;
  /**
   * With the host optimizer: run about half of its work on a worker thread (`adamw_pool.ts`;
   * the same result bytes). @default true when `threads` (else the machine's cores) is 2 or more
   */
  hostWorker?: boolean;
}

/** Holds a model's training state and steps it with the artifacts' graphs. */
export class TrainRunner {
  private trainSession?: Session;
  /** Milliseconds spent in the host optimizer so far (0 with the graph's optimizer). */
  hostOptimizerMs = 0;
  /**
   * Buffers of the parameter arrays this runner made (its host optimizer's results): they are
   * the state's alone, so the next step may move them to its worker thread. The initial values
   * are the caller's (a reference model may still read them) and are never moved.
   */
  private readonly ownParams = new WeakSet<ArrayBufferLike>();
  private gradSession?: Session;
  private applySession?: Session;

  private constructor(
    /** The artifacts being run. */
    readonly artifacts: TrainArtifacts,
    /**
     * Current state, replaced after every step. With the host optimizer, the arrays of one
     * step are valid until the next: the moments are updated in place, or moved to a worker
     * thread and back as new arrays, and so are the parameters the runner made (the initial
     * values passed to `create` are only read). Copy what must outlive a step.
     */
    public state: TrainState,
    private readonly sessionOptions: SessionOptions,
    /** Where the optimizer runs. */
    readonly optimizer: OptimizerPlacement,
    /** Whether the host optimizer hands a share to a worker thread. */
    readonly hostWorker: boolean,
  ) {}

  /**
   * Creates a runner from initial parameter values (all parameters, frozen included);
   * moments start at zero unless a saved state is given.
   */
  static create(
    artifacts: TrainArtifacts,
    params: Map<string, HostArray>,
    options: TrainRunnerOptions = {},
  ): TrainRunner {
    // No CPU memory arena by default: it keeps the peak of every activation shape reserved
    // (config M train step: 3.9 GB RSS with it, 3.2 GB without, and 12% faster). Instead,
    // glibc keeps freed blocks mapped, so each step reuses the last one's pages rather than
    // faulting in fresh ones (process-wide, once; lib/util/malloc.ts).
    keepFreedMemory();
    const { resume, optimizer, hostWorker, ...rest } = options;
    const sessionOptions = { cpuArena: false, ...rest };
    const dtype = artifacts.manifest.dtype;
    for (const p of artifacts.manifest.params) {
      const data = params.get(p.name);
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (!data) throw new Error(`train runner: missing initial value for parameter "${p.name}"`);
      if (data.length !== n) {
        throw new Error(
          `train runner: "${p.name}" has ${data.length} values, shape [${p.shape}] needs ${n}`,
        );
      }
    }
    const zeros = () =>
      new Map(
        artifacts.manifest.params.filter((p) => p.trainable).map((p) => [
          p.name,
          allocHost(dtype, p.shape.reduce((a, b) => a * b, 1)),
        ]),
      );
    const state: TrainState = {
      params: new Map(params),
      m: resume?.m ?? zeros(),
      v: resume?.v ?? zeros(),
      step: resume?.step ?? 0,
    };
    const dtype0 = artifacts.manifest.dtype;
    const placement = optimizer ??
      ((rest.ep ?? defaultProvider()) === "cpu" && (dtype0 === "float32" || dtype0 === "float64")
        ? "host"
        : "graph");
    const cores = rest.threads ?? navigator.hardwareConcurrency ?? 1;
    return new TrainRunner(artifacts, state, sessionOptions, placement, hostWorker ?? cores >= 2);
  }

  private paramFeeds(): Record<string, HostTensor> {
    const dtype = this.artifacts.manifest.dtype;
    const feeds: Record<string, HostTensor> = {};
    for (const p of this.artifacts.manifest.params) {
      feeds[p.name] = { dtype, shape: p.shape, data: this.state.params.get(p.name)! };
    }
    return feeds;
  }

  private optimizerFeeds(lr: number): Record<string, HostTensor> {
    const { dtype, params } = this.artifacts.manifest;
    const scalar = (x: number): HostTensor => {
      const data = allocHost(dtype, 1) as Float32Array;
      data[0] = x;
      return { dtype, shape: [], data };
    };
    const feeds: Record<string, HostTensor> = { lr: scalar(lr), step: scalar(this.state.step + 1) };
    for (const p of params.filter((q) => q.trainable)) {
      feeds[`adam_m.${p.name}`] = { dtype, shape: p.shape, data: this.state.m.get(p.name)! };
      feeds[`adam_v.${p.name}`] = { dtype, shape: p.shape, data: this.state.v.get(p.name)! };
    }
    return feeds;
  }

  private takeUpdate(out: Record<string, HostTensor>): void {
    const params = new Map(this.state.params), m = new Map(this.state.m), v = new Map(this.state.v);
    for (const p of this.artifacts.manifest.params.filter((q) => q.trainable)) {
      params.set(p.name, out[`new.${p.name}`].data);
      m.set(p.name, out[`new.adam_m.${p.name}`].data);
      v.set(p.name, out[`new.adam_v.${p.name}`].data);
    }
    this.state = { params, m, v, step: this.state.step + 1 };
  }

  private metricsOf(out: Record<string, HostTensor>): Record<string, number> {
    const r: Record<string, number> = {};
    for (const k of this.artifacts.manifest.metrics) r[k] = Number(out[`metric.${k}`].data[0]);
    return r;
  }

  /**
   * Clipping + AdamW on the host for gradients `grads` (by trainable parameter name, consumed:
   * they become the new parameters); updates the state and returns the gradient norm before
   * clipping. `graphNorm` is that norm when the `grad` graph computed it (one run, no
   * accumulation); otherwise it is summed here, in float64.
   */
  private async hostUpdate(
    grads: Map<string, HostArray>,
    lr: number,
    graphNorm?: number,
  ): Promise<number> {
    const t0 = performance.now();
    const { params, optimizer, maxGradNorm } = this.artifacts.manifest;
    const trainable = params.filter((p) => p.trainable);
    let norm = graphNorm;
    if (norm === undefined) {
      let sq = 0;
      for (const p of trainable) sq += sumOfSquares(grads.get(p.name) as Float32Array);
      norm = Math.sqrt(sq);
    }
    // torch.nn.utils.clip_grad_norm_: scale = min(1, max_norm / (norm + 1e-6)).
    const gradScale = maxGradNorm > 0 ? Math.min(maxGradNorm / (norm + 1e-6), 1) : 1;
    // The gradients are this runner's own arrays (runtime outputs or its sums): the new
    // parameters are written over them. The moments are this runner's alone (a checkpoint
    // reads them between steps), so they are updated in place (or come back from the worker
    // as new views of the same memory).
    const results = await adamwHostStepAll(
      trainable.map((p) => ({
        param: this.state.params.get(p.name) as Float32Array,
        grad: grads.get(p.name) as Float32Array,
        m: this.state.m.get(p.name) as Float32Array,
        v: this.state.v.get(p.name) as Float32Array,
      })),
      { lr, step: this.state.step + 1, gradScale, config: optimizer },
      this.hostWorker,
      (i) => this.ownParams.has(this.state.params.get(trainable[i].name)!.buffer),
    );
    for (const r of results) this.ownParams.add(r.param.buffer);
    const next = new Map(this.state.params), m = new Map(this.state.m), v = new Map(this.state.v);
    trainable.forEach((p, i) => {
      next.set(p.name, results[i].param);
      m.set(p.name, results[i].m);
      v.set(p.name, results[i].v);
    });
    this.state = { params: next, m, v, step: this.state.step + 1 };
    this.hostOptimizerMs += performance.now() - t0;
    return norm;
  }

  /** One optimizer step on one batch. */
  async step(batch: Record<string, HostTensor>, lr: number): Promise<StepResult> {
    if (this.optimizer === "host") {
      this.gradSession ??= await Session.create(this.artifacts.grad, this.sessionOptions);
      const out = await this.gradSession.run({ ...this.paramFeeds(), ...batch });
      const grads = new Map(
        this.artifacts.manifest.params.filter((p) => p.trainable).map((
          p,
        ) => [p.name, out[`grad.${p.name}`].data]),
      );
      // The runtime's vectorised norm (the host's scalar pass over config M's 42M gradients
      // took ~0.12 s); artifacts saved before the `grad` graph had it (version 1) lack it.
      const graphNorm = out.grad_norm ? Number(out.grad_norm.data[0]) : undefined;
      const gradNorm = await this.hostUpdate(grads, lr, graphNorm);
      return { loss: Number(out.loss.data[0]), gradNorm, metrics: this.metricsOf(out) };
    }
    this.trainSession ??= await Session.create(this.artifacts.train, this.sessionOptions);
    const out = await this.trainSession.run({
      ...this.paramFeeds(),
      ...this.optimizerFeeds(lr),
      ...batch,
    });
    this.takeUpdate(out);
    return {
      loss: Number(out.loss.data[0]),
      gradNorm: Number(out.grad_norm.data[0]),
      metrics: this.metricsOf(out),
    };
  }

  /**
   * One optimizer step over several micro-batches: gradients are combined with `weights`
   * (default: equal, summing to 1, which equals the full batch's mean loss when the
   * micro-batches carry equal shares of it), then applied once.
   */
  async accumulate(
    microBatches: Record<string, HostTensor>[],
    lr: number,
    weights?: number[],
  ): Promise<StepResult> {
    const w = weights ?? microBatches.map(() => 1 / microBatches.length);
    this.gradSession ??= await Session.create(this.artifacts.grad, this.sessionOptions);
    const { dtype, params } = this.artifacts.manifest;
    const trainable = params.filter((p) => p.trainable);
    const sums = new Map(
      trainable.map((p) => [
        p.name,
        allocHost(dtype, p.shape.reduce((a, b) => a * b, 1)) as Float32Array,
      ]),
    );
    let loss = 0;
    const metrics: Record<string, number> = {};
    for (let i = 0; i < microBatches.length; i++) {
      const out = await this.gradSession.run({ ...this.paramFeeds(), ...microBatches[i] });
      loss += w[i] * Number(out.loss.data[0]);
      for (const [k, v] of Object.entries(this.metricsOf(out))) {
        metrics[k] = (metrics[k] ?? 0) + w[i] * v;
      }
      for (const p of trainable) {
        const acc = sums.get(p.name)!, g = out[`grad.${p.name}`].data as Float32Array;
        for (let j = 0; j < acc.length; j++) acc[j] += w[i] * g[j];
      }
    }
    if (this.optimizer === "host") {
      return { loss, gradNorm: await this.hostUpdate(sums, lr), metrics };
    }
    this.applySession ??= await Session.create(this.artifacts.apply, this.sessionOptions);
    const gradFeeds: Record<string, HostTensor> = {};
    for (const p of trainable) {
      gradFeeds[`grad.${p.name}`] = { dtype, shape: p.shape, data: sums.get(p.name)! };
    }
    const out = await this.applySession.run({
      ...this.paramFeeds(),
      ...this.optimizerFeeds(lr),
      ...gradFeeds,
    });
    this.takeUpdate(out);
    return { loss, gradNorm: Number(out.grad_norm.data[0]), metrics };
  }

  /** Frees the sessions. */
  async release(): Promise<void> {
    for (const s of [this.trainSession, this.gradSession, this.applySession]) await s?.release();
  }
}
