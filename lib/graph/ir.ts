/**
 * The typed tensor-graph IR: values with a dtype and a (symbolic or concrete) shape,
 * nodes that apply an {@link OpDef}, graph inputs/outputs and initializers.
 *
 * Every node is checked when it is added (its op's `infer` rule computes output types
 * and throws a {@link GraphError} naming the op and the offending values), so a malformed
 * graph fails at build time rather than inside onnxruntime. Nodes are stored in creation
 * order, which is a topological order.
 *
 * @module
 */

import type { DType, HostArray } from "./dtype.ts";

/** One dimension: a concrete size, or a symbolic name such as `"batch"`. */
export type Dim = number | string;

/** A dtype plus a shape (rank always known). */
export interface TensorType {
  dtype: DType;
  shape: Dim[];
}

/** Attribute kinds as ONNX encodes them. */
export type AttrType = "int" | "ints" | "float" | "floats" | "string" | "tensor";

/** A constant tensor attribute (e.g. `Constant.value`). */
export interface TensorAttr {
  dtype: DType;
  shape: number[];
  data: HostArray;
}

/** Attribute values as plain JS values; the op's `attrs` table says how to encode each. */
export type AttrValue = number | number[] | string | TensorAttr;

/** Error raised while building a graph, naming the op and the values involved. */
export class GraphError extends Error {
  override name = "GraphError";
}

/** Definition of an operator: type inference and (optionally) its gradient rule. */
export interface OpDef {
  /** ONNX op type (for kernels: the kernel name; the instantiated function name is derived). */
  opType: string;
  /** ONNX domain; `""` is the default domain, kernels use `KIT_DOMAIN`. */
  domain: string;
  /** How each attribute is encoded; attributes not listed are rejected. */
  attrs?: Readonly<Record<string, AttrType>>;
  /** Computes output types; throws {@link GraphError} on bad inputs. */
  infer(inputs: (Value | null)[], attrs: Readonly<Record<string, AttrValue>>): TensorType[];
  /**
   * Vector-Jacobian product: gradients of the inputs given the gradients of the outputs
   * (`null` where an output receives no gradient). Returns one entry per input; `null`
   * means "no gradient" (non-differentiable input). `needs[i]` says whether input `i`'s
   * gradient is wanted, so rules can skip work. Absent = op has no gradient rule.
   */
  vjp?(node: Node, gradOutputs: (Value | null)[], needs: boolean[]): (Value | null)[];
  /**
   * For kernels: builds the body of the ONNX model-local function from the call's inputs.
   * Attributes are baked into the body, so each distinct attribute set is its own function.
   */
  body?(inputs: Value[], attrs: Readonly<Record<string, AttrValue>>): Value[];
}

/** A tensor value in a graph. */
export class Value {
  constructor(
    /** Graph the value belongs to. */
    readonly graph: Graph,
    /** Unique id within the graph. */
    readonly id: number,
    /** ONNX value name. */
    public name: string,
    /** Element type. */
    readonly dtype: DType,
    /** Shape; symbolic dims are strings. */
    readonly shape: readonly Dim[],
    /** The node producing it (undefined for graph inputs and initializers). */
    readonly producer?: Node,
  ) {}

  /**
   * For int64 shape vectors built from `Shape` ops: the dims they are known to hold,
   * so a `Reshape` by them can infer its output shape at build time.
   */
  knownDims?: Dim[];

  /** Rank (number of dims). */
  get rank(): number {
    return this.shape.length;
  }

  /** `name [d0,d1] dtype` for error messages. */
  describe(): string {
    return `${this.name} [${this.shape.join(",")}] ${this.dtype}`;
  }
}

/** One operator application. */
export interface Node {
  readonly def: OpDef;
  /** ONNX op type written to the model (kernels: instantiated function name). */
  readonly opType: string;
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** Options of {@link Graph.addNode}. */
export interface AddNodeOptions {
  /** Names for the outputs (default: generated). */
  names?: string[];
}

/** A tensor graph under construction. */
export class Graph {
  /** Nodes in topological (creation) order. */
  readonly nodes: Node[] = [];
  /** Graph inputs, in order. */
  readonly inputs: Value[] = [];
  /** Graph outputs, in order. */
  readonly outputs: Value[] = [];
  /** Constant tensors stored in the model. */
  readonly initializers = new Map<Value, HostArray>();
  private nextId = 0;
  private readonly names = new Set<string>();

  constructor(
    /** Graph name written to the model. */
    readonly name = "grlo",
  ) {}

  private uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Declares a graph input. Names must be unique. */
  input(name: string, dtype: DType, shape: Dim[]): Value {
    if (this.names.has(name)) throw new GraphError(`duplicate value name "${name}"`);
    const v = new Value(this, this.nextId++, this.uniqueName(name), dtype, [...shape]);
    this.inputs.push(v);
    return v;
  }

  /** Adds a constant tensor (an initializer) with the given data. */
  initializer(name: string, dtype: DType, shape: number[], data: HostArray): Value {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) {
      throw new GraphError(
        `initializer "${name}": data has ${data.length} elements, shape [${shape}] needs ${n}`,
      );
    }
    const v = new Value(this, this.nextId++, this.uniqueName(name), dtype, [...shape]);
    this.initializers.set(v, data);
    return v;
  }

  /**
   * Marks a value as a graph output, renaming it to `name` (an Identity copy is added only
   * for inputs, initializers and values that are already outputs).
   */
  output(value: Value, name?: string): Value {
    this.checkOwn(value, "output");
    let v = value;
    const isInputOrInit = this.inputs.includes(v) || this.initializers.has(v);
    if (isInputOrInit || this.outputs.includes(v)) {
      // An input, initializer or existing output cannot be renamed: copy it.
      [v] = this.addNode(IDENTITY, [v], {}, { names: [name ?? `${value.name}_out`] });
    } else if (name && name !== v.name) {
      // Rename in place (an Identity would copy the tensor on every run).
      if (this.names.has(name)) throw new GraphError(`duplicate value name "${name}"`);
      this.names.delete(v.name);
      this.names.add(name);
      v.name = name;
    }
    this.outputs.push(v);
    return v;
  }

  /** Appends a node after checking its inputs with the op's `infer` rule. */
  addNode(
    def: OpDef,
    inputs: (Value | null)[],
    attrs: Record<string, AttrValue> = {},
    options: AddNodeOptions = {},
  ): Value[] {
    for (const x of inputs) if (x) this.checkOwn(x, def.opType);
    for (const key of Object.keys(attrs)) {
      if (!def.attrs || !(key in def.attrs)) {
        throw new GraphError(`${def.opType}: unknown attribute "${key}"`);
      }
    }
    const types = def.infer(inputs, attrs);
    const opType = def.body ? instanceName(def.opType, inputs, attrs) : def.opType;
    const outputs: Value[] = [];
    const node: Node = { def, opType, inputs: [...inputs], outputs, attrs: { ...attrs } };
    types.forEach((t, i) => {
      const base = options.names?.[i] ?? `${def.opType.toLowerCase()}_${this.nextId}`;
      outputs.push(new Value(this, this.nextId++, this.uniqueName(base), t.dtype, t.shape, node));
    });
    this.nodes.push(node);
    return outputs;
  }

  private checkOwn(v: Value, where: string): void {
    if (v.graph !== this) {
      throw new GraphError(`${where}: value ${v.describe()} belongs to another graph`);
    }
  }
}

/** Identity, used to rename outputs. */
const IDENTITY: OpDef = {
  opType: "Identity",
  domain: "",
  infer: ([x]) => [{ dtype: x!.dtype, shape: [...x!.shape] }],
  vjp: (_n, [g]) => [g],
};

/** Function name of a kernel instance: the kernel name plus a hash of dtypes, ranks and attributes. */
function instanceName(
  kernel: string,
  inputs: (Value | null)[],
  attrs: Record<string, AttrValue>,
): string {
  const key = JSON.stringify([
    inputs.map((x) => (x ? `${x.dtype}:${x.rank}` : "-")),
    Object.entries(attrs).sort(),
  ]);
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return `${kernel}_${(h >>> 0).toString(16).padStart(8, "0")}`;
}
