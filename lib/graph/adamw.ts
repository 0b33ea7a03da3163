/**
 * The AdamW update (decoupled weight decay, bias correction), as torch.optim.AdamW:
 *   m' = b1 m + (1-b1) g              v' = b2 v + (1-b2) g^2
 *   p' = p (1 - lr wd) - lr / (1-b1^t) * m' / (sqrt(v') / sqrt(1-b2^t) + eps)
 * with the step `t` (1-based) and learning rate as scalar inputs, so one graph serves
 * every step. The optimizer is not differentiated (no gradient rule). It belongs to the
 * engine (the train-step graphs append it); `kernels/mod.ts` re-exports it beside the kernels.
 * The same update on host arrays, for the CPU provider, is in `adamw_host.ts`.
 *
 * @module
 */

import type { OpDef, Value } from "./ir.ts";
import { callKernel, floatDtype, kernelFail, KIT_DOMAIN } from "./kernel.ts";
import * as op from "./ops/mod.ts";

/** AdamW hyper-parameters. */
export interface AdamWConfig {
  /** @default 0.9 */
  beta1: number;
  /** @default 0.999 */
  beta2: number;
  /** @default 1e-8 */
  epsilon: number;
  /** Decoupled weight decay. @default 0.01 */
  weightDecay: number;
}

/** torch.optim.AdamW's defaults. */
export const DEFAULT_ADAMW: Readonly<AdamWConfig> = {
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0.01,
};

/** The AdamW kernel: (param, grad, m, v, lr, step) -> (param', m', v'). */
export const ADAMW: OpDef = {
  opType: "AdamW",
  domain: KIT_DOMAIN,
  attrs: { beta1: "float", beta2: "float", epsilon: "float", weightDecay: "float" },
  infer: (inputs) => {
    const [p, g, m, v, lr, step] = inputs as Value[];
    const dtype = floatDtype("AdamW", [p, g, m, v, lr, step]);
    for (const x of [g, m, v]) {
      if (x.rank !== p.rank || x.shape.some((d, i) => d !== p.shape[i])) {
        kernelFail("AdamW", inputs as Value[], `${x.name} must have the parameter's shape`);
      }
    }
    if (lr.rank !== 0 || step.rank !== 0) {
      kernelFail("AdamW", inputs as Value[], "lr and step must be scalars");
    }
    return [0, 1, 2].map(() => ({ dtype, shape: [...p.shape] }));
  },
  body: ([p, g, m, v, lr, step], a) => {
    const b1 = a.beta1 as number, b2 = a.beta2 as number;
    const m2 = op.add(op.mul(m, b1), op.mul(g, 1 - b1));
    const v2 = op.add(op.mul(v, b2), op.mul(op.mul(g, g), 1 - b2));
    const one = op.scalarLike(step, 1);
    const bc1 = op.sub(one, op.pow(op.scalarLike(step, b1), step));
    const bc2 = op.sub(one, op.pow(op.scalarLike(step, b2), step));
    const denom = op.add(op.div(op.sqrt(v2), op.sqrt(bc2)), a.epsilon as number);
    const decayed = op.mul(p, op.sub(one, op.mul(lr, a.weightDecay as number)));
    const p2 = op.sub(decayed, op.mul(op.div(lr, bc1), op.div(m2, denom)));
    return [p2, m2, v2];
  },
};

/** One AdamW step for one parameter; returns [param', m', v']. */
export function adamw(
  param: Value,
  grad: Value,
  m: Value,
  v: Value,
  lr: Value,
  step: Value,
  config: AdamWConfig = DEFAULT_ADAMW,
): [Value, Value, Value] {
  const [p2, m2, v2] = callKernel(ADAMW, [param, grad, m, v, lr, step], { ...config });
  return [p2, m2, v2];
}
