/**
 * onnxruntime-node sessions: execution-provider choice (`cpu` default, `cuda`, `webgpu`,
 * from options or `GRLO_EP`), thread settings and typed conversion between host arrays
 * and `ort.Tensor`.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import type { DType, HostArray } from "./dtype.ts";
import { lowerForWebGpu } from "./lower_webgpu.ts";
import type { ExternalTensorData } from "./onnx.ts";

/** A host tensor: dtype, concrete shape, data. */
export interface HostTensor {
  dtype: DType;
  shape: number[];
  data: HostArray;
}

/** Execution providers the kit knows. */
export type ExecutionProvider = "cpu" | "cuda" | "webgpu";

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** Execution provider. @default process env `GRLO_EP` or "cpu" */
  ep?: ExecutionProvider;
  /** Intra-op threads (0 = onnxruntime's default). @default 0 */
  threads?: number;
  /** Graph optimisation level. @default "all" */
  optimization?: "disabled" | "basic" | "extended" | "all";
  /** Memory pattern planning (only helps fixed shapes). @default true */
  memPattern?: boolean;
  /** CPU memory arena. @default true */
  cpuArena?: boolean;
  /** Write an onnxruntime profile (JSON trace) with this file prefix. */
  profilePrefix?: string;
  /**
   * Extra session config entries (`session.intra_op.allow_spinning`, ...), over
   * {@link DEFAULT_CONFIG_ENTRIES}.
   */
  extra?: Record<string, string>;
  /**
   * Initializers the model bytes refer to as external data, held in memory
   * (`encodeModelExternal`); onnxruntime reads them while it creates the session.
   */
  externalData?: readonly ExternalTensorData[];
}

/**
 * Session config entries the kit sets on every session: `session.force_spinning_stop`, so
 * onnxruntime's intra-op threads stop spinning when a run returns instead of competing with
 * the host work between runs (the host optimizer after a `grad` run, the sampler and KV cache
 * between decode steps). On this 2-core VM, alternated: config S's host optimizer 25-28 ms
 * instead of 34-36 ms and its train step 4% faster; a decode step's host work at batch 32
 * 2.3 ms instead of 3.5 ms, with decode tokens/s unchanged within noise.
 */
export const DEFAULT_CONFIG_ENTRIES: Readonly<Record<string, string>> = {
  "session.force_spinning_stop": "1",
};

/** The execution providers the kit knows, in the order its messages list them. */
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ["cpu", "cuda", "webgpu"];

/** Whether `value` names an execution provider the kit knows. */
export function isExecutionProvider(value: string): value is ExecutionProvider {
  return (EXECUTION_PROVIDERS as readonly string[]).includes(value);
}

/** The provider from `GRLO_EP`, validated. */
export function defaultProvider(): ExecutionProvider {
  const ep = (Deno.env.get("GRLO_EP") ?? "cpu").toLowerCase();
  if (!isExecutionProvider(ep)) {
    throw new Error(
      `GRLO_EP="${ep}" is not a known execution provider (${EXECUTION_PROVIDERS.join(", ")})`,
    );
  }
  return ep;
}

const FIX: Record<ExecutionProvider, string> = {
  cpu: "",
  cuda: "the CUDA provider libraries are not installed: run `deno task setup-cuda` on a machine " +
    "with an NVIDIA driver and internet access (it fetches onnxruntime-node's CUDA 12 build)",
  webgpu: "no WebGPU adapter was found: WebGPU needs a GPU with Vulkan drivers " +
    "(libvulkan1 and the vendor ICD) visible to this process",
};

/** An onnxruntime session over a kit graph, with typed host inputs/outputs. */
export class Session {
  private constructor(
    /** The underlying onnxruntime session. */
    readonly ort: ort.InferenceSession,
    /**
     * The execution provider the session was created with (requested in the options or by
     * `GRLO_EP`). It did start (a provider that cannot start fails `create`), but nodes it has
     * no kernel for run on onnxruntime's CPU provider, which is always appended.
     */
    readonly ep: ExecutionProvider,
  ) {}

  /** Creates a session from model bytes (or a path to an .onnx file). */
  static async create(model: Uint8Array | string, options: SessionOptions = {}): Promise<Session> {
    const ep = options.ep ?? defaultProvider();
    const so: ort.InferenceSession.SessionOptions = {
      executionProviders: [ep],
      graphOptimizationLevel: options.optimization ?? "all",
      enableMemPattern: options.memPattern ?? true,
      enableCpuMemArena: options.cpuArena ?? true,
      logSeverityLevel: 3,
    };
    if (options.threads) so.intraOpNumThreads = options.threads;
    if (options.profilePrefix) {
      so.enableProfiling = true;
      so.profileFilePrefix = options.profilePrefix;
    }
    so.extra = nest({ ...DEFAULT_CONFIG_ENTRIES, ...options.extra });
    if (options.externalData) so.externalData = options.externalData;
    // The WebGPU provider lacks FusedMatMul and LogSoftmax kernels: model bytes get standard
    // forms of them (lower_webgpu.ts). A model path is passed as it is, so that onnxruntime
    // still finds external data files beside it.
    if (ep === "webgpu" && typeof model !== "string") model = lowerForWebGpu(model);
    try {
      const s = typeof model === "string"
        ? await ort.InferenceSession.create(model, so)
        : await ort.InferenceSession.create(model, so);
      return new Session(s, ep);
    } catch (e) {
      const msg = (e as Error).message;
      if (ep !== "cpu" && /provider|library|adapter|backend|not found|load/i.test(msg)) {
        throw new Error(`execution provider "${ep}" is unavailable: ${FIX[ep]} (${msg})`);
      }
      throw e;
    }
  }

  /** Input names in order. */
  get inputNames(): readonly string[] {
    return this.ort.inputNames;
  }

  /** Output names in order. */
  get outputNames(): readonly string[] {
    return this.ort.outputNames;
  }

  /** Runs the graph; feeds and results are host tensors keyed by value name. */
  async run(
    feeds: Record<string, HostTensor>,
    outputs?: string[],
  ): Promise<Record<string, HostTensor>> {
    const input: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) input[k] = toOrt(t);
    const result = outputs ? await this.ort.run(input, outputs) : await this.ort.run(input);
    const out: Record<string, HostTensor> = {};
    for (const [k, t] of Object.entries(result)) out[k] = fromOrt(t);
    return out;
  }

  /** Frees native resources. */
  async release(): Promise<void> {
    await this.ort.release();
  }
}

function nest(flat: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    const parts = k.split(".");
    let o = out as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
    o[parts.at(-1)!] = v;
  }
  return out;
}

const ORT_TYPE: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: "float32",
  float64: "float64",
  float16: "float16",
  int64: "int64",
  int32: "int32",
  uint8: "uint8",
  bool: "bool",
};

/** Converts a host tensor to an `ort.Tensor` (zero-copy on CPU). */
export function toOrt(t: HostTensor): ort.Tensor {
  const type = ORT_TYPE[t.dtype];
  if (!type) throw new Error(`dtype ${t.dtype} cannot be fed to onnxruntime from the host`);
  // deno-lint-ignore no-explicit-any
  return new ort.Tensor(type, t.data as any, t.shape);
}

/**
 * Converts an `ort.Tensor` result to a host tensor.
 *
 * @throws for an element type the kit has no dtype for (int8, uint16, string, ...), rather
 *   than relabelling its data
 */
export function fromOrt(t: ort.Tensor): HostTensor {
  const dtype = (Object.keys(ORT_TYPE) as DType[]).find((d) => ORT_TYPE[d] === t.type);
  if (dtype === undefined) {
    throw new Error(
      `onnxruntime returned a ${t.type} tensor [${t.dims}]; the kit reads only ` +
        `${Object.values(ORT_TYPE).join(", ")} outputs (cast it in the graph)`,
    );
  }
  return { dtype, shape: [...t.dims], data: t.data as HostArray };
}
