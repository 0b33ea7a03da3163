/**
 * The worker thread of `adamw_pool.ts`: runs the host AdamW step on the tensors it is handed
 * (both passes when it is given the parameter, else pass 1, {@link adamwMoments}), and hands
 * their buffers back.
 *
 * Message in: `{id, o, items: [{dtype, grad, m, v, param?}]}` with the ArrayBuffers transferred;
 * message out: `{id, items}` with the same buffers (transferred back), or `{id, error}`.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { adamwFused, adamwMoments, type HostAdamWStep } from "./adamw_host.ts";

/** One tensor's buffers as they travel to and from the worker. */
export interface WorkerItem {
  dtype: "float32" | "float64";
  grad: ArrayBuffer;
  m: ArrayBuffer;
  v: ArrayBuffer;
  /** The parameter, when it may be moved here: then both passes run here. */
  param?: ArrayBuffer;
}

const view = (dtype: WorkerItem["dtype"], b: ArrayBuffer) =>
  dtype === "float32" ? new Float32Array(b) : new Float64Array(b);

parentPort?.on("message", (msg: { id: number; o: HostAdamWStep; items: WorkerItem[] }) => {
  try {
    for (const it of msg.items) {
      const [grad, m, v] = [view(it.dtype, it.grad), view(it.dtype, it.m), view(it.dtype, it.v)];
      if (it.param) adamwFused(view(it.dtype, it.param), grad, m, v, msg.o);
      else adamwMoments(grad, m, v, msg.o);
    }
    parentPort!.postMessage(
      { id: msg.id, items: msg.items },
      msg.items.flatMap((it) => [it.grad, it.m, it.v, ...(it.param ? [it.param] : [])]),
    );
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: String((e as Error)?.stack ?? e) });
  }
});
