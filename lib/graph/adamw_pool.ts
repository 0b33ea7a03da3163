/**
 * The host AdamW step on two threads: this one and one worker (`adamw_worker.ts`), each taking
 * about half the elements. A tensor whose parameter the caller lets go (`paramMovable`) runs
 * both passes on the worker; otherwise the worker runs pass 1 (`adamwMoments`, the square
 * root and division per element) and this thread pass 2 ({@link applyUpdate}) once it is back.
 * Buffers move to the worker and back by transfer, not by copy. Each element is computed by the
 * same stored values on either thread, so the results are the same bytes as on one thread. On
 * this 2-core VM (isolated, warm, 2026-12-02): config M's 42M parameters take ~0.10 s on one thread
 * and ~0.06 s on two (the plain JavaScript loops before `adamw_simd.ts`: 0.24 s and 0.13 s);
 * config S's 5.2M, ~15 ms on either.
 *
 * Only tensors whose arrays each own their whole ArrayBuffer go to the worker (a transfer
 * detaches the buffer for every view of it). Their arrays come back as new views, so the caller
 * must take the returned arrays and drop the ones it passed in (and a moved parameter's old
 * array is detached).
 *
 * The worker is created on first use and shared by every caller in the process; it keeps the
 * process alive only while a reply from it is due. If it fails mid-step, the step rejects and the
 * arrays it held are gone: the caller's state is then unusable (a trainer resumes from its last
 * checkpoint).
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import {
  adamwFused,
  applyUpdate,
  type FloatArray,
  type HostAdamWStep,
  type HostAdamWTensors,
} from "./adamw_host.ts";
import type { WorkerItem } from "./adamw_worker.ts";

/** The arrays of one parameter after the step. */
export interface HostAdamWResult {
  /** The new parameter (over the gradient's buffer). */
  param: FloatArray;
  m: FloatArray;
  v: FloatArray;
}

/** Tensors smaller than this stay on this thread (a transfer has a fixed cost). */
const MIN_WORKER_ELEMENTS = 1 << 16;
/**
 * The worker's share of the elements: a half when it runs both passes, more when this thread
 * also runs pass 2 of the worker's tensors.
 */
const WORKER_SHARE = { fused: 0.5, split: 0.55 };

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<
  number,
  { resolve: (items: WorkerItem[]) => void; reject: (e: Error) => void }
>();

function failAll(e: Error): void {
  for (const p of pending.values()) p.reject(e);
  pending.clear();
  worker = null;
}

function theWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL("./adamw_worker.ts", import.meta.url));
  w.unref();
  w.on("message", (msg: { id: number; items?: WorkerItem[]; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (msg.error !== undefined) p.reject(new Error(`host AdamW worker: ${msg.error}`));
    else p.resolve(msg.items!);
  });
  w.on("error", (e: Error) => failAll(new Error(`host AdamW worker failed: ${e.message}`)));
  w.on("exit", (code: number) => failAll(new Error(`host AdamW worker exited (code ${code})`)));
  worker = w;
  return w;
}

function ownsBuffer(a: FloatArray): boolean {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength &&
    !(a.buffer instanceof SharedArrayBuffer);
}

function dtypeOf(a: FloatArray): WorkerItem["dtype"] {
  return a instanceof Float32Array ? "float32" : "float64";
}

const view = (dtype: WorkerItem["dtype"], b: ArrayBuffer) =>
  dtype === "float32" ? new Float32Array(b) : new Float64Array(b);

/**
 * Which tensors go to the worker: the largest eligible ones, until the worker holds about
 * {@link WORKER_SHARE} of all elements. Exported for tests.
 *
 * @param tensors every parameter's arrays
 * @param paramMovable whether tensor i's parameter may be moved to the worker
 * @returns indices of the tensors for the worker
 */
export function workerShare(
  tensors: readonly HostAdamWTensors[],
  paramMovable: (i: number) => boolean = () => false,
): Set<number> {
  const total = tensors.reduce((n, t) => n + t.grad.length, 0);
  const fused = tensors.every((t, i) => paramMovable(i) && ownsBuffer(t.param));
  const limit = (fused ? WORKER_SHARE.fused : WORKER_SHARE.split) * total;
  const eligible = tensors
    .map((t, i) => ({ t, i }))
    .filter(({ t }) =>
      t.grad.length >= MIN_WORKER_ELEMENTS && ownsBuffer(t.grad) && ownsBuffer(t.m) &&
      ownsBuffer(t.v) && new Set([t.grad.buffer, t.m.buffer, t.v.buffer, t.param.buffer]).size === 4
    )
    .sort((a, b) => b.t.grad.length - a.t.grad.length || a.i - b.i);
  const chosen = new Set<number>();
  let held = 0;
  for (const { t, i } of eligible) {
    if (held + t.grad.length > limit && held > 0) continue;
    chosen.add(i);
    held += t.grad.length;
  }
  return chosen;
}

/**
 * One AdamW step over all parameters, on this thread and (with `useWorker`) one worker.
 *
 * @param tensors every parameter's arrays; gradients and moments are consumed (see the module
 *   doc), parameters only read (and, where `paramMovable`, detached)
 * @param o learning rate, 1-based step, gradient scale, hyper-parameters
 * @param useWorker whether to hand a share to the worker thread
 * @param paramMovable whether tensor i's parameter array may be moved (nothing else reads it)
 * @returns each parameter's new arrays, in the order given
 */
export async function adamwHostStepAll(
  tensors: readonly HostAdamWTensors[],
  o: HostAdamWStep,
  useWorker: boolean,
  paramMovable: (i: number) => boolean = () => false,
): Promise<HostAdamWResult[]> {
  const share = useWorker ? [...workerShare(tensors, paramMovable)] : [];
  const onWorker = new Set(share);
  const results: HostAdamWResult[] = tensors.map((t) => ({ param: t.grad, m: t.m, v: t.v }));
  let reply: Promise<WorkerItem[]> | null = null;
  if (share.length > 0) {
    const w = theWorker();
    const id = nextId++;
    const items: WorkerItem[] = share.map((i) => ({
      dtype: dtypeOf(tensors[i].grad),
      grad: tensors[i].grad.buffer as ArrayBuffer,
      m: tensors[i].m.buffer as ArrayBuffer,
      v: tensors[i].v.buffer as ArrayBuffer,
      param: paramMovable(i) && ownsBuffer(tensors[i].param)
        ? tensors[i].param.buffer as ArrayBuffer
        : undefined,
    }));
    reply = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    w.ref(); // while a reply is due, the worker keeps the event loop (and the process) alive
    w.postMessage(
      { id, o, items },
      items.flatMap((it) => [it.grad, it.m, it.v, ...(it.param ? [it.param] : [])]),
    );
  }
  tensors.forEach((t, i) => {
    if (!onWorker.has(i)) adamwFused(t.param, t.grad, t.m, t.v, o);
  });
  if (reply) {
    const back = await reply;
    share.forEach((i, k) => {
      const it = back[k];
      const r = {
        param: view(it.dtype, it.grad),
        m: view(it.dtype, it.m),
        v: view(it.dtype, it.v),
      };
      if (!it.param) applyUpdate(tensors[i].param, r.param, o);
      results[i] = r;
    });
  }
  return results;
}
