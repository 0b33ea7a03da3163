/**
 * Encodes a {@link Graph} as an ONNX ModelProto (via `onnx-proto`), with the kit's kernels
 * as model-local functions (FunctionProto) in their own domain.
 *
 * @module
 */

import onnxProto from "onnx-proto";
import { type DType, ONNX_DTYPE } from "./dtype.ts";
import { type AttrValue, Graph, GraphError, type Node, type TensorAttr, type Value } from "./ir.ts";

const onnx = onnxProto.onnx;

/** ONNX domain of the kit's kernels (model-local functions). */
export const KIT_DOMAIN = "grlo.kit";

/** Default-domain opset the kit emits (ORT 1.30 supports up to 26). */
export const OPSET = 23;

/** Options of {@link encodeModel}. */
export interface EncodeOptions {
  /** ONNX IR version. @default 10 */
  irVersion?: number;
  /** Producer name written to the model. @default "grlo-kit" */
  producer?: string;
}

/** Serialises a graph to ONNX model bytes. */
export function encodeModel(graph: Graph, options: EncodeOptions = {}): Uint8Array {
  return encodeModelProto(graph, options, () => null);
}

/**
 * One initializer's bytes for onnxruntime's in-memory external data (the `externalData`
 * session option of `Session.create`): `path` is the name the model refers to it by.
 */
export interface ExternalTensorData {
  path: string;
  data: Uint8Array;
}

/** A model whose large initializers are held outside its bytes. */
export interface ExternalDataModel {
  /** The ModelProto bytes: graph, functions and the small initializers. */
  model: Uint8Array;
  /** The large initializers' bytes, views of the graph's own arrays (nothing is copied). */
  externalData: ExternalTensorData[];
}

/**
 * Serialises a graph to ONNX with every initializer of at least `minBytes` stored as
 * external data that lives in memory: the model bytes name it (`location`, `offset` 0,
 * `length`) and the returned views hold it. onnxruntime reads those buffers while it creates
 * the session, so a model with a few hundred MB of weights is not copied into a protobuf
 * buffer first (`encodeModel` writes every weight into the model bytes). The arrays must not
 * change until the session exists.
 *
 * @param graph the graph
 * @param minBytes initializers at least this large go outside @default 1024
 * @returns the model bytes and the external buffers by name
 */
export function encodeModelExternal(
  graph: Graph,
  minBytes = 1024,
  options: EncodeOptions = {},
): ExternalDataModel {
  const externalData: ExternalTensorData[] = [];
  const model = encodeModelProto(graph, options, (name, bytes) => {
    if (bytes.byteLength < minBytes) return null;
    // Names are file names to onnxruntime; an index keeps them unique and free of separators.
    const path = `${externalData.length}.${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.bin`;
    externalData.push({ path, data: bytes });
    return path;
  });
  return { model, externalData };
}

/** Where an initializer's bytes go: null inside the model, else the external data's path. */
type Placement = (name: string, bytes: Uint8Array) => string | null;

function encodeModelProto(graph: Graph, options: EncodeOptions, place: Placement): Uint8Array {
  if (graph.outputs.length === 0) throw new GraphError(`graph "${graph.name}" has no outputs`);
  const nodes = liveNodes(graph.nodes, graph.outputs);
  const functions = collectFunctions(nodes);
  const model = onnx.ModelProto.create({
    irVersion: options.irVersion ?? 10,
    producerName: options.producer ?? "grlo-kit",
    opsetImport: [
      { domain: "", version: OPSET },
      { domain: KIT_DOMAIN, version: 1 },
      { domain: "com.microsoft", version: 1 },
    ],
    graph: onnx.GraphProto.create({
      name: graph.name,
      node: nodes.map(encodeNode),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: [...graph.initializers].map(([v, data]) => {
        const t = tensorProto(v.name, v.dtype, v.shape as number[], data);
        const path = place(v.name, t.rawData as Uint8Array);
        if (path === null) return t;
        return {
          ...t,
          rawData: undefined,
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [
            { key: "location", value: path },
            { key: "offset", value: "0" },
            { key: "length", value: String(t.rawData!.byteLength) },
          ],
        };
      }),
    }),
    functions,
  });
  return onnx.ModelProto.encode(model).finish();
}

function encodeNode(n: Node): onnxProto.onnx.INodeProto {
  const inputs = n.inputs.map((x) => (x ? x.name : ""));
  while (inputs.length && inputs[inputs.length - 1] === "") inputs.pop();
  const isKernel = n.def.body !== undefined;
  return {
    opType: n.opType,
    domain: n.def.domain,
    input: inputs,
    output: n.outputs.map((o) => o.name),
    name: n.outputs[0]?.name ?? n.opType,
    attribute: isKernel ? [] : Object.entries(n.attrs).map(([k, v]) => attribute(n, k, v)),
  };
}

function attribute(n: Node, name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const kind = n.def.attrs?.[name];
  const T = onnx.AttributeProto.AttributeType;
  switch (kind) {
    case "int":
      return { name, type: T.INT, i: v as number };
    case "ints":
      return { name, type: T.INTS, ints: v as number[] };
    case "float":
      return { name, type: T.FLOAT, f: v as number };
    case "floats":
      return { name, type: T.FLOATS, floats: v as number[] };
    case "string":
      return { name, type: T.STRING, s: new TextEncoder().encode(v as string) };
    case "tensor": {
      const t = v as TensorAttr;
      return { name, type: T.TENSOR, t: tensorProto("", t.dtype, t.shape, t.data) };
    }
    default:
      throw new GraphError(`${n.def.opType}: attribute "${name}" has no declared type`);
  }
}

/** A TensorProto with raw little-endian data. */
export function tensorProto(
  name: string,
  dtype: DType,
  shape: number[],
  data: ArrayBufferView,
): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims: shape,
    dataType: ONNX_DTYPE[dtype],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function valueInfo(v: Value): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[v.dtype],
        shape: {
          dim: v.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/** The nodes that some output depends on, in their original (topological) order. */
export function liveNodes(nodes: readonly Node[], outputs: readonly Value[]): Node[] {
  const needed = new Set<Value>(outputs);
  const keep: boolean[] = new Array(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!nodes[i].outputs.some((o) => needed.has(o))) continue;
    keep[i] = true;
    for (const x of nodes[i].inputs) if (x) needed.add(x);
  }
  return nodes.filter((_, i) => keep[i]);
}

/** Builds a FunctionProto for every kernel instance used (recursively, callees first). */
function collectFunctions(nodes: readonly Node[]): onnxProto.onnx.IFunctionProto[] {
  const done = new Map<string, onnxProto.onnx.IFunctionProto>();
  const visit = (list: readonly Node[]) => {
    for (const n of list) {
      if (!n.def.body || done.has(n.opType)) continue;
      const sub = new Graph(n.opType);
      const inputs = n.inputs.map((x, i) => {
        if (!x) throw new GraphError(`${n.def.opType}: kernels take no omitted inputs`);
        return sub.input(`x${i}`, x.dtype, x.shape.map((_, k) => `s${i}_${k}`));
      });
      const outputs = n.def.body(inputs, n.attrs);
      visit(sub.nodes);
      done.set(n.opType, {
        name: n.opType,
        domain: KIT_DOMAIN,
        input: inputs.map((x) => x.name),
        output: outputs.map((o) => o.name),
        node: liveNodes(sub.nodes, outputs).map(encodeNode),
        opsetImport: [
          { domain: "", version: OPSET },
          { domain: KIT_DOMAIN, version: 1 },
          { domain: "com.microsoft", version: 1 },
        ],
      });
    }
  };
  visit(nodes);
  return [...done.values()].reverse();
}
