/**
 * Per-token log-probabilities of given targets: `logp = logsoftmax(x)[target]`
 * (`= x[target] - logsumexp(x)`).
 * RL needs these (not the full [tokens x vocab] log-softmax), so the kernel outputs only
 * the gathered values.
 *
 * Gradient: `dx = g * (onehot(target) - softmax(x))`, built as `-g*softmax(x)` plus a
 * scatter-add of `g` at the targets (no one-hot is materialised).
 *
 * @module
 */

import { op, type OpDef, type Value } from "../lib/graph/mod.ts";
import { callKernel, floatDtype, kernelFail, KIT_DOMAIN } from "./_kernel.ts";

/** The token log-probability kernel: logits [..., V], targets int64 [...] -> [...]. */
export const TOKEN_LOGPROB: OpDef = {
  opType: "TokenLogprob",
  domain: KIT_DOMAIN,
  infer: (inputs) => {
    const [x, t] = inputs as Value[];
    const dtype = floatDtype("TokenLogprob", [x]);
    if (t.dtype !== "int64") kernelFail("TokenLogprob", [x, t], "targets must be int64");
    if (t.rank !== x.rank - 1) {
      kernelFail("TokenLogprob", [x, t], "targets must have rank of logits - 1");
    }
    return [{ dtype, shape: [...x.shape.slice(0, -1)] }];
  },
  // One LogSoftmax (onnxruntime's fused, vectorised kernel) and a gather: at [1024, 32768] 18 ms
  // where max, subtract, exp and sum took 40 ms, with one logits-sized intermediate instead of two.
  body: ([x, t]) => [
    op.squeeze(op.gatherElements(op.logSoftmax(x, -1), op.unsqueeze(t, [-1]), -1), [-1]),
  ],
  vjp: (n, [g], needs) => {
    if (!needs[0]) return [null, null];
    const [x, t] = n.inputs as Value[];
    const g1 = op.unsqueeze(g!, [-1]);
    const dense = op.mul(op.softmax(x, -1), op.neg(g1)); // negate the small [..., 1] side
    return [op.scatterElements(dense, op.unsqueeze(t, [-1]), g1, -1, "add"), null];
  },
};

/** log p(target) under softmax(logits) along the last axis. */
export function tokenLogprob(logits: Value, targets: Value): Value {
  return callKernel(TOKEN_LOGPROB, [logits, targets])[0];
}
