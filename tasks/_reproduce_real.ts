/**
 * The real profiles' training gate for `deno task reproduce`: GRLO on Qwen3-0.6B/4B needs a
 * GPU execution provider. Without one the run stops after the base evaluation with an estimate
 * of the CPU time, unless `--allow-cpu`, which starts the `grlo-paper` recipe on the GRLO
 * release's 1,000 prompts (batch 256 instead of train.sh's 1024: the release has fewer prompts
 * than one 1024-prompt batch; verl would train 0 steps).
 *
 * @module
 */

import { join } from "node:path";
import { resolveDataFile } from "../lib/data/resolve.ts";
import { downloadModel } from "../lib/model/hub.ts";
import { resolveConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/train.ts";

const MODELS: Record<string, { policy: string; rm: string; params: number }> = {
  "qwen3-0.6b": {
    policy: "Qwen/Qwen3-0.6B-Base",
    rm: "Skywork/Skywork-Reward-V2-Qwen3-0.6B",
    params: 0.6e9,
  },
  paper: {
    policy: "Qwen/Qwen3-4B-Base",
    rm: "Skywork/Skywork-Reward-V2-Llama-3.1-8B",
    params: 4e9,
  },
};

/**
 * Hours of one GRLO step on this CPU: ~18 x params x tokens FLOPs (generation, two scoring
 * passes, actor and critic forward + backward), 256 prompts x (prompt ~200 + response ~1500
 * tokens), at the ~100 GFLOP/s the kit's train step reaches on 2 cores.
 */
function cpuHoursPerStep(params: number): number {
  const tokens = 256 * 1700;
  return 18 * params * tokens / 100e9 / 3600;
}

/**
 * Stops before training on a CPU (exit code 0: the base evaluation is complete), or trains.
 *
 * @param profile `qwen3-0.6b` or `paper`
 * @param allowCpu train on the CPU anyway
 * @param out the output directory
 * @returns the exit code
 */
export async function gateRealTraining(
  profile: string,
  allowCpu: boolean,
  out = join("runs", `reproduce-${profile}`),
): Promise<number> {
  const m = MODELS[profile];
  const ep = Deno.env.get("GRLO_EP") ?? "cpu";
  if (ep === "cpu" && !allowCpu) {
    const h = cpuHoursPerStep(m.params);
    console.log(
      `GRLO training of ${m.policy} needs a GPU execution provider (GRLO_EP=cuda after ` +
        `\`deno task setup-cuda\`, or GRLO_EP=webgpu): on this CPU one step of the recipe would take ` +
        `about ${h.toFixed(0)} h (${
          (h * 45 / 24).toFixed(0)
        } days for 45 steps). The base evaluation ` +
        `above is complete. Pass --allow-cpu to train anyway, or export the run to verl ` +
        `(deno task export-verl --preset grlo-paper ...).`,
    );
    return 0;
  }
  const prompts = await resolveDataFile("grlo-prompts/train.jsonl");
  const [policy, rm] = [await downloadModel(m.policy), await downloadModel(m.rm)];
  const cfg = resolveConfig({
    preset: "grlo-paper",
    overrides: [
      `data.train_files=${prompts.path}`,
      "data.train_batch_size=256",
      `actor_rollout_ref.model.path=${policy}`,
      `critic.model.path=${policy}`,
      `reward_model.model.path=${rm}`,
    ],
  });
  await train(cfg, { out: join(out, "grlo") });
  return 0;
}
