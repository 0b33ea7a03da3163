/**
 * Model files and model graphs: HF config, safetensors, checkpoints, hub download, tiny models.
 *
 * @module
 */

export * from "./config.ts";
export * from "./config_io.ts";
export * from "./safetensors.ts";
export * from "./safetensors_sharded.ts";
export * from "./safetensors_write.ts";
export * from "./params.ts";
export * from "./flops.ts";
export * from "./tiny.ts";
export * from "./checkpoint.ts";
export * from "./hub.ts";
export * from "./qwen3.ts";
export * from "./weights.ts";
export * from "./heads.ts";
export * from "./graphs.ts";
export * from "./lm_loss.ts";
export * from "./value_model.ts";
export * from "./batch.ts";
export * from "./forward.ts";
export * from "./linear.ts";
