/**
 * Where a model graph's parameters come from: graph inputs under their HF names (train
 * graphs, or any graph whose weights change every run) or initializers holding the values
 * (decode and scoring sessions: onnxruntime prepacks constant weights once, notes §8).
 *
 * @module
 */

import { allocHost, type DType, type Graph, type Value } from "../graph/mod.ts";
import type { ModelConfig } from "./config.ts";
import { parameterSpecs } from "./params.ts";
import type { F32Tensor } from "./safetensors.ts";

/** How a builder gets its parameters: as graph inputs, or as initializers from these values. */
export type WeightSource = "inputs" | ReadonlyMap<string, F32Tensor>;

/**
 * Declares the config's parameters on `g`, as inputs or as initializers.
 *
 * @param g the graph
 * @param config the model config (its parameter list is {@link parameterSpecs})
 * @param source `"inputs"`, or name -> float32 values to store in the model
 * @param dtype compute dtype; float32 values are widened for float64 graphs
 * @returns name -> value
 */
export function declareWeights(
  g: Graph,
  config: ModelConfig,
  source: WeightSource,
  dtype: DType,
): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const s of parameterSpecs(config)) {
    if (source === "inputs") {
      out.set(s.name, g.input(s.name, dtype, s.shape));
      continue;
    }
    const t = source.get(s.name);
    if (!t) throw new Error(`model graph: no value given for parameter "${s.name}"`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) {
      throw new Error(
        `model graph: parameter "${s.name}" has ${t.data.length} values, shape [${s.shape}] needs ${n}`,
      );
    }
    let data: Float32Array | Float64Array = t.data;
    if (dtype === "float64") {
      data = allocHost("float64", n) as Float64Array;
      data.set(t.data);
    } else if (dtype !== "float32") {
      throw new Error(`model graph: weights as initializers need float32 or float64, not ${dtype}`);
    }
    out.set(s.name, g.initializer(s.name, dtype, s.shape, data));
  }
  return out;
}
