/**
 * Model bytes for onnxruntime's WebGPU provider. onnxruntime-node 1.30's WebGPU provider has no
 * kernel for com.microsoft `FusedMatMul`, which the kit emits for every float32 linear layer and
 * its gradients (`lib/model/linear.ts`: on the CPU provider it is the fastest form, and Gemm with
 * transA ran ~4x slower there). Left as they are, those nodes run on the CPU provider, with each
 * operand copied off the GPU and back: in config S's train graph 58 of 1645 nodes, in its sampler
 * 29 of 253, all the products (node placements logged by onnxruntime on Mesa's lavapipe Vulkan,
 * 2026-12-02). So a session on the WebGPU provider gets each such node as the standard `Gemm`
 * with the same transposes, which the WebGPU provider runs.
 *
 * It has no `LogSoftmax` kernel either (the token log-probability kernel's forward, over the
 * whole [tokens, vocab] logits), and its `ReduceLogSumExp` does not subtract the maximum (rows
 * with a logit above ~88 come out infinite). So `LogSoftmax` becomes the stable form
 * `d = x - max(x)`, `d - log(sum(exp(d)))`, all of whose ops it runs.
 *
 * @module
 */

import onnxProto from "onnx-proto";

const onnx = onnxProto.onnx;

/** FusedMatMul's attributes that Gemm has too (same meaning for 2-D operands). */
const SHARED_ATTRS = new Set(["transA", "transB", "alpha"]);

/**
 * Rewrites every com.microsoft `FusedMatMul` node of a model (in its graph and its local
 * functions) as ONNX `Gemm` with the same transA, transB and alpha (the kit emits FusedMatMul
 * only on 2-D operands, where the two are the same product), and every `LogSoftmax` as its
 * stable decomposition.
 *
 * @param model ModelProto bytes
 * @returns the rewritten bytes, or `model` itself when it has no FusedMatMul node
 * @throws when a FusedMatMul node has a batch-transpose attribute set (not 2-D)
 */
export function lowerForWebGpu(model: Uint8Array): Uint8Array {
  const proto = onnx.ModelProto.decode(model);
  let changed = 0;
  const lower = (nodes: onnxProto.onnx.INodeProto[] | null | undefined, where: string) => {
    for (let k = 0; k < (nodes ?? []).length; k++) {
      const n = nodes![k];
      if (n.opType === "LogSoftmax" && !n.domain) {
        const parts = stableLogSoftmax(n);
        nodes!.splice(k, 1, ...parts);
        k += parts.length - 1;
        changed++;
        continue;
      }
      if (n.opType !== "FusedMatMul" || n.domain !== "com.microsoft") continue;
      for (const a of n.attribute ?? []) {
        if (!SHARED_ATTRS.has(a.name ?? "") && Number(a.i ?? 0) !== 0) {
          throw new Error(
            `lowerForWebGpu: FusedMatMul "${n.name}" in ${where} sets ${a.name}; ` +
              "only 2-D products (transA, transB, alpha) have a Gemm form",
          );
        }
      }
      n.opType = "Gemm";
      n.domain = "";
      n.attribute = (n.attribute ?? []).filter((a) => SHARED_ATTRS.has(a.name ?? ""));
      changed++;
    }
  };
  lower(proto.graph?.node, "the graph");
  for (const f of proto.functions ?? []) lower(f.node, `function ${f.name}`);
  return changed === 0 ? model : onnx.ModelProto.encode(proto).finish();
}

const INT = onnx.AttributeProto.AttributeType.INT, INTS = onnx.AttributeProto.AttributeType.INTS;

/** `LogSoftmax(x, axis)` as `d = x - ReduceMax(x)`, `d - Log(ReduceSum(Exp(d)))`. */
function stableLogSoftmax(n: onnxProto.onnx.INodeProto): onnxProto.onnx.INodeProto[] {
  const axis = Number(n.attribute?.find((a) => a.name === "axis")?.i ?? -1);
  const [x] = n.input!, [y] = n.output!, t = (s: string) => `${y}__logsoftmax_${s}`;
  const keep = { name: "keepdims", type: INT, i: 1 };
  const node = (opType: string, input: string[], output: string, attribute = [] as object[]) =>
    onnx.NodeProto.create({ opType, input, output: [output], name: output, attribute });
  return [
    node("Constant", [], t("axes"), [{ name: "value_ints", type: INTS, ints: [axis] }]),
    node("ReduceMax", [x, t("axes")], t("max"), [keep]),
    node("Sub", [x, t("max")], t("shifted")),
    node("Exp", [t("shifted")], t("exp")),
    node("ReduceSum", [t("exp"), t("axes")], t("sum"), [keep]),
    node("Log", [t("sum")], t("logsum")),
    onnx.NodeProto.create({
      opType: "Sub",
      input: [t("shifted"), t("logsum")],
      output: [y],
      name: n.name,
    }),
  ];
}
