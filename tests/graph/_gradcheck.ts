/**
 * Finite-difference gradient checking in float64 on onnxruntime CPU, shared by the op and
 * kernel tests. Private to tests/.
 *
 * @module
 */

import {
  encodeModel,
  grad,
  Graph,
  type HostTensor,
  op,
  Session,
  type Value,
} from "../../lib/graph/mod.ts";

/** A float64 input to check: its shape and values (random when omitted). */
export interface CheckInput {
  name: string;
  shape: number[];
  values?: number[];
  /** Non-float inputs (ids, masks): fed as given, never perturbed. */
  dtype?: "float64" | "int64" | "bool";
}

/** Deterministic pseudo-random numbers in [-1, 1). */
export function randoms(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out.push(((s >>> 0) / 2 ** 32) * 2 - 1);
  }
  return out;
}

/** Result of {@link gradCheck}: the worst relative error over all checked inputs. */
export interface GradCheckResult {
  maxRelError: number;
  perInput: Record<string, number>;
  outputs: Record<string, HostTensor>;
}

/**
 * Builds `fn` over float64 inputs, reduces its outputs to a scalar with fixed random
 * weights, and compares the autodiff gradients of every float input with central
 * differences (h = 1e-6). Errors are `|a - n|_2 / max(|a|_2, |n|_2, 1e-12)` per input.
 */
export async function gradCheck(
  inputs: CheckInput[],
  fn: (xs: Value[]) => Value | Value[],
  options: { seed?: number; h?: number; maxElements?: number } = {},
): Promise<GradCheckResult> {
  const g = new Graph("gradcheck");
  const xs = inputs.map((i) => g.input(i.name, i.dtype ?? "float64", i.shape));
  const ys = [fn(xs)].flat();
  let loss: Value | null = null;
  ys.forEach((y, k) => {
    const n = y.shape.reduce((a: number, b) => a * (b as number), 1);
    const w = op.constant(y, "float64", y.shape as number[], randoms(n, 1000 + k));
    const term = op.reduceSum(op.mul(y, w), y.shape.map((_, i) => i));
    loss = loss ? op.add(loss, term) : term;
  });
  const floatXs = xs.filter((_, i) => (inputs[i].dtype ?? "float64") === "float64");
  const grads = grad(loss!, floatXs);
  g.output(loss!, "loss");
  grads.forEach((gr, i) => g.output(gr, `grad_${floatXs[i].name}`));
  ys.forEach((y, k) => g.output(y, `y${k}`));
  // "basic": ORT's extended fusions (e.g. QuickGelu) have no float64 kernels.
  const session = await Session.create(encodeModel(g), {
    ep: "cpu",
    threads: 1,
    optimization: "basic",
  });

  const feeds: Record<string, HostTensor> = {};
  inputs.forEach((inp, i) => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const vals = inp.values ?? randoms(n, (options.seed ?? 7) + 31 * i);
    const dtype = inp.dtype ?? "float64";
    feeds[inp.name] = {
      dtype,
      shape: inp.shape,
      data: dtype === "int64"
        ? BigInt64Array.from(vals.map((v) => BigInt(v)))
        : dtype === "bool"
        ? Uint8Array.from(vals)
        : Float64Array.from(vals),
    };
  });
  const base = await session.run(feeds);
  const lossOf = async () => ((await session.run(feeds, ["loss"])).loss.data as Float64Array)[0];
  const h = options.h ?? 1e-6;
  const perInput: Record<string, number> = {};
  for (const x of floatXs) {
    const data = feeds[x.name].data as Float64Array;
    const analytic = base[`grad_${x.name}`].data as Float64Array;
    const count = Math.min(data.length, options.maxElements ?? 64);
    const stride = Math.max(1, Math.floor(data.length / count));
    let num2 = 0, ana2 = 0, diff2 = 0;
    for (let j = 0; j < data.length; j += stride) {
      const keep = data[j];
      data[j] = keep + h;
      const up = await lossOf();
      data[j] = keep - h;
      const down = await lossOf();
      data[j] = keep;
      const numeric = (up - down) / (2 * h);
      num2 += numeric * numeric;
      ana2 += analytic[j] * analytic[j];
      diff2 += (numeric - analytic[j]) ** 2;
    }
    perInput[x.name] = Math.sqrt(diff2) / Math.max(Math.sqrt(num2), Math.sqrt(ana2), 1e-12);
  }
  await session.release();
  return { maxRelError: Math.max(0, ...Object.values(perInput)), perInput, outputs: base };
}
