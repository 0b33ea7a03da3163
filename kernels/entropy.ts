/**
 * Per-token entropy of softmax(logits): `H = -sum(p * log p)` over the last axis.
 *
 * Gradient, with `ls = log_softmax(x)`, `p = exp(ls)`: `dx = -g * p * (ls + H)`.
 *
 * @module
 */

import { op, type OpDef, type Value } from "../lib/graph/mod.ts";
import { callKernel, floatDtype, KIT_DOMAIN } from "./_kernel.ts";

function entropyOf(ls: Value): Value {
  return op.neg(op.reduceSum(op.mul(op.exp(ls), ls), [-1]));
}

/** The token entropy kernel: logits [..., V] -> [...]. */
export const TOKEN_ENTROPY: OpDef = {
  opType: "TokenEntropy",
  domain: KIT_DOMAIN,
  infer: (inputs) => {
    const x = inputs[0]!;
    return [{ dtype: floatDtype("TokenEntropy", [x]), shape: [...x.shape.slice(0, -1)] }];
  },
  body: ([x]) => [entropyOf(op.logSoftmax(x, -1))],
  vjp: (n, [g]) => {
    const ls = op.logSoftmax(n.inputs[0]!, -1);
    const h = op.unsqueeze(n.outputs[0], [-1]);
    const scale = op.mul(op.unsqueeze(g!, [-1]), op.exp(ls));
    return [op.neg(op.mul(scale, op.add(ls, h)))];
  },
};

/** Entropy of the softmax distribution along the last axis. */
export function tokenEntropy(logits: Value): Value {
  return callKernel(TOKEN_ENTROPY, [logits])[0];
}
