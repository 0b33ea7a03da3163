/**
 * `deno task serve-reward`: a reward model (optionally with the kit's style_mix shaping)
 * behind `POST /score` and `GET /health`, for kit runs (`reward_model.endpoint`) and other
 * trainers (verl, OpenRLHF). API: README "Rewards" and `lib/reward/http_api.ts`.
 *
 * ```sh
 * deno task serve-reward --model runs/reproduce-toy/reward-model            # 127.0.0.1:8100
 * deno task serve-reward --model DIR --style-mix --port 8101
 * RM_TOKEN=s3cret deno task serve-reward --model DIR --host 0.0.0.0 --token-env RM_TOKEN
 * curl -s localhost:8100/score -d '{"items": [{"messages": [{"role": "user", "content": "Hi"}], "response": "Hello!"}]}'
 * ```
 *
 * The token is read from an environment variable, never from a flag (flags show in `ps`).
 * A non-loopback `--host` is refused unless a token is set.
 *
 * @module
 */

import { CliError, type CliSpec, intFlag, parseCli, positiveInt, runMain } from "../lib/cli.ts";
import { RmReward } from "../lib/reward/rm_reward.ts";
import { isLoopback, serveReward } from "../lib/reward/server.ts";
import { DEFAULT_STYLE_MIX, StyleMixReward } from "../lib/reward/style_mix.ts";
import type { Reward } from "../lib/reward/types.ts";

const spec = {
  command: "deno task serve-reward",
  summary: "Serve a reward model over HTTP (POST /score, GET /health).",
  options: {
    model: { type: "string", valueName: "DIR", description: "reward model directory (required)" },
    "style-mix": {
      type: "boolean",
      description: "score with style_mix (default weights) over the RM; needs response_ids",
    },
    host: { type: "string", default: "127.0.0.1", valueName: "ADDR", description: "bind address" },
    port: { type: "string", default: "8100", valueName: "N", description: "TCP port" },
    "token-env": {
      type: "string",
      valueName: "VAR",
      description: "environment variable holding the bearer token clients must send",
    },
    "max-body-bytes": {
      type: "string",
      default: String(16 * 2 ** 20),
      valueName: "N",
      description: "largest request body (413 above)",
    },
    "max-items": {
      type: "string",
      default: "1024",
      valueName: "N",
      description: "most items per request (413 above)",
    },
    "batch-size": {
      type: "string",
      default: "8",
      valueName: "N",
      description: "rows per RM batch",
    },
    threads: {
      type: "string",
      default: "0",
      valueName: "N",
      description: "onnxruntime intra-op threads (0: onnxruntime's default)",
    },
    cache: { type: "boolean", description: "cache scores of repeated (prompt, response) pairs" },
    quiet: { type: "boolean", description: "no per-request log lines" },
  },
  examples: [
    "deno task serve-reward --model runs/reproduce-toy/reward-model --port 8100",
    "RM_TOKEN=s3cret deno task serve-reward --model DIR --host 0.0.0.0 --token-env RM_TOKEN",
  ],
} as const satisfies CliSpec;

function readToken(variable: string | undefined): string | null {
  if (variable === undefined) return null;
  const token = Deno.env.get(variable);
  if (!token) throw new CliError(`--token-env ${variable}: the variable is unset or empty`);
  return token;
}

async function main(args: string[]): Promise<number> {
  const cli = parseCli(args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return 0;
  }
  const v = cli.values;
  if (!v.model) throw new CliError(`${spec.command}: --model DIR is required (see --help)`);
  const token = readToken(v["token-env"]);
  if (!isLoopback(v.host) && token === null) {
    throw new CliError(
      `--host ${v.host}: refusing a non-loopback address without a token (the server has no ` +
        `other access control); set --token-env VAR with the token in VAR, or bind 127.0.0.1`,
    );
  }
  const port = intFlag("port", v.port, 0, 65535);
  const options = {
    hostname: v.host,
    port,
    maxBodyBytes: positiveInt("max-body-bytes", v["max-body-bytes"]),
    maxItems: positiveInt("max-items", v["max-items"]),
    batchSize: positiveInt("batch-size", v["batch-size"]),
    threads: intFlag("threads", v.threads, 0),
    styleMix: v["style-mix"],
    cache: v.cache,
  };
  console.error(JSON.stringify({
    command: "serve-reward",
    model: v.model,
    auth: token === null ? "none" : `bearer (${v["token-env"]})`,
    ...options,
  }));
  const rm = await RmReward.load(v.model, {
    batchSize: options.batchSize,
    threads: options.threads,
    cache: options.cache,
  });
  const reward: Reward = options.styleMix ? new StyleMixReward(rm, DEFAULT_STYLE_MIX) : rm;
  const controller = new AbortController();
  Deno.addSignalListener("SIGINT", () => controller.abort());
  const server = serveReward(reward, {
    hostname: options.hostname,
    port: options.port,
    token,
    maxBodyBytes: options.maxBodyBytes,
    maxItems: options.maxItems,
    requireResponseIds: options.styleMix,
    signal: controller.signal,
    log: v.quiet ? undefined : (line) => console.error(line),
    onListen: (addr) =>
      console.error(`serving ${reward.name} (${v.model}) at http://${addr.hostname}:${addr.port}`),
  });
  await server.finished;
  await reward.close();
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
