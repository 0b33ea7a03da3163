/**
 * `deno task serve`: an OpenAI-compatible server (`/v1/completions`, `/v1/chat/completions`,
 * `/v1/models`) over the kit's own batched sampler, which runs in a Worker so the server
 * stays responsive while the model runs; concurrent requests share decode steps.
 *
 * ```sh
 * deno task serve --model runs/toy/policy                    # http://127.0.0.1:8000/v1
 * deno task serve --model runs/toy/policy --port 8001 --max-batch 64 --threads 2
 * curl -s localhost:8000/v1/completions -d '{"prompt": "Hello", "max_tokens": 16}'
 * curl -sN localhost:8000/v1/chat/completions \
 *   -d '{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 16, "stream": true}'
 * ```
 *
 * Sampling fields: n, temperature, top_p, top_k, max_tokens, stop, stop_token_ids, seed,
 * ignore_eos, logprobs (completions: count of alternatives; chat: logprobs + top_logprobs),
 * return_token_ids and return_tokens_as_token_ids (vLLM's). Log-probs are those of the
 * temperature-scaled distribution before top-k/top-p (`lib/rollout/types.ts`). `stream: true`
 * (with `stream_options.include_usage`) answers with OpenAI's server-sent-event chunks; a client
 * that disconnects frees its batch rows. Fields the sampler cannot honour (`logit_bias`,
 * `min_p`, `repetition_penalty`, `response_format`, penalties, ...) get a 400 naming the field
 * unless they hold their no-op value (`lib/rollout/openai_unhonoured.ts`).
 *
 * @module
 */

import { CliError, type CliSpec, intFlag, parseCli, runMain } from "../lib/cli.ts";
import { WorkerGenerator } from "../lib/rollout/worker_generator.ts";
import { serveOpenAI } from "../lib/rollout/server.ts";
import { loadTokenizer } from "../lib/tokenizer/mod.ts";

const spec = {
  command: "deno task serve",
  summary: "Serve a model directory over the OpenAI API with the kit's batched sampler.",
  options: {
    model: { type: "string", valueName: "DIR", description: "HF model directory (required)" },
    port: { type: "string", default: "8000", valueName: "N", description: "TCP port" },
    host: { type: "string", default: "127.0.0.1", valueName: "ADDR", description: "bind address" },
    name: { type: "string", valueName: "ID", description: "model id (default: directory name)" },
    "max-batch": {
      type: "string",
      default: "32",
      valueName: "N",
      description: "most sequences decoded together",
    },
    "max-model-len": {
      type: "string",
      valueName: "N",
      description: "context length (default: max_position_embeddings)",
    },
    threads: {
      type: "string",
      default: "0",
      valueName: "N",
      description: "onnxruntime intra-op threads (0: onnxruntime's default)",
    },
    quiet: { type: "boolean", description: "no per-request log lines" },
  },
  examples: ["deno task serve --model runs/toy/policy --port 8000"],
} as const satisfies CliSpec;

function positiveInt(name: string, value: string | undefined, min = 1): number | undefined {
  return value === undefined ? undefined : intFlag(name, value, min);
}

async function main(args: string[]): Promise<void> {
  const cli = parseCli(args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return;
  }
  const v = cli.values;
  if (!v.model) throw new CliError("--model DIR is required");
  const options = {
    port: positiveInt("port", v.port, 0)!,
    hostname: v.host,
    maxBatch: positiveInt("max-batch", v["max-batch"])!,
    maxModelLen: positiveInt("max-model-len", v["max-model-len"]),
    threads: positiveInt("threads", v.threads, 0)!,
  };
  console.error(
    JSON.stringify({ command: "serve", model: v.model, name: v.name ?? null, ...options }),
  );
  const [generator, tokenizer] = await Promise.all([
    WorkerGenerator.load(v.model, {
      name: v.name,
      maxBatch: options.maxBatch,
      maxModelLen: options.maxModelLen,
      session: { threads: options.threads },
    }),
    loadTokenizer(v.model),
  ]);
  const controller = new AbortController();
  Deno.addSignalListener("SIGINT", () => controller.abort());
  const server = serveOpenAI(generator, tokenizer, {
    port: options.port,
    hostname: options.hostname,
    signal: controller.signal,
    log: v.quiet ? undefined : (line) => console.error(line),
    onListen: (addr) =>
      console.error(
        `serving ${generator.model} (context ${generator.maxModelLen}) at ` +
          `http://${addr.hostname}:${addr.port}/v1`,
      ),
  });
  await server.finished;
  await generator.close();
}

if (import.meta.main) {
  await runMain(async () => {
    await main(Deno.args);
    return 0;
  });
}
