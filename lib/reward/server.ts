/**
 * The reward server: any {@link Reward} (the reward model, or style_mix over it) behind
 * `POST /score` and `GET /health` (API in `http_api.ts`), so other trainers (verl's reward
 * loop, OpenRLHF's remote RM) and several kit runs can share one reward model.
 *
 * Safe by default: it binds loopback, and refuses any other address unless a bearer token is
 * set (it has no other access control); with a token every request but `/health` needs
 * `Authorization: Bearer <token>` (401 otherwise). Bodies above `maxBodyBytes` or with more
 * than `maxItems` items get 413; malformed bodies get 400 naming the field; a sample whose
 * reward is not a finite number gets 422 naming it. Requests are scored one at a time.
 *
 * @module
 */

import { RewardError, scoreChecked } from "./errors.ts";
import { describeIssue, itemToInput, outputToJson, scoreRequestSchema } from "./http_api.ts";
import type { Reward } from "./types.ts";

/** Options of {@link createRewardHandler}. */
export interface RewardHandlerOptions {
  /** The bearer token requests must carry; null for none. @default null */
  token?: string | null;
  /** Largest body in bytes. @default 16777216 (16 MiB) */
  maxBodyBytes?: number;
  /** Most items per request. @default 1024 */
  maxItems?: number;
  /** Refuse items without `response_ids` (style terms count tokens). @default false */
  requireResponseIds?: boolean;
  /** Called once per request with a short log line. */
  log?: (line: string) => void;
}

/** Options of {@link serveReward}. */
export interface ServeRewardOptions extends RewardHandlerOptions {
  /** Bind address. @default "127.0.0.1" */
  hostname?: string;
  /** TCP port (0: any free one). @default 8100 */
  port?: number;
  /** Stops the server. */
  signal?: AbortSignal;
  /** Called once listening. */
  onListen?: (addr: Deno.NetAddr) => void;
}

/**
 * Whether a host name is a loopback address.
 *
 * @param host a host name or IP
 * @returns true for `localhost`, `127.x.x.x` and `::1`
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function jsonError(status: number, message: string): Response {
  return Response.json({ error: { message, code: status } }, { status });
}

function sameToken(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Reads a body up to `max` bytes; null when it is larger. */
async function readCapped(req: Request, max: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length"));
  if (declared > max) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    for await (const chunk of req.body) {
      size += chunk.byteLength;
      if (size > max) return null;
      chunks.push(chunk);
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * A `fetch`-style handler serving `/score` and `/health` over a reward.
 *
 * @param reward what scores
 * @param options token, size limits, request log
 * @returns the handler (pass it to `Deno.serve`)
 */
export function createRewardHandler(
  reward: Reward,
  options: RewardHandlerOptions = {},
): (req: Request) => Promise<Response> {
  const token = options.token ?? null;
  const maxBody = options.maxBodyBytes ?? 16 * 2 ** 20;
  const maxItems = options.maxItems ?? 1024;
  let queue: Promise<unknown> = Promise.resolve();

  const score = async (req: Request): Promise<Response> => {
    const bytes = await readCapped(req, maxBody);
    if (bytes === null) return jsonError(413, `body larger than ${maxBody} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      return jsonError(400, `body: not JSON (${(e as Error).message})`);
    }
    const n = (body as { items?: unknown[] })?.items?.length;
    if (typeof n === "number" && n > maxItems) {
      return jsonError(413, `items: ${n} items, at most ${maxItems} per request`);
    }
    const parsed = scoreRequestSchema.safeParse(body);
    if (!parsed.success) return jsonError(400, describeIssue(parsed.error));
    const items = parsed.data.items;
    if (options.requireResponseIds) {
      const k = items.findIndex((it) => it.response_ids === undefined);
      if (k >= 0) {
        return jsonError(400, `items[${k}].response_ids: required (style terms count tokens)`);
      }
    }
    // Not cancelled by a client that goes away: a batch is bounded by maxItems.
    const run = queue.then(() => scoreChecked(reward, items.map(itemToInput)));
    queue = run.catch(() => {});
    try {
      const { outputs } = await run;
      return Response.json({ scores: outputs.map(outputToJson) });
    } catch (e) {
      if (e instanceof RewardError) return jsonError(422, e.message);
      throw e;
    }
  };

  return async (req: Request): Promise<Response> => {
    const t0 = performance.now();
    const path = new URL(req.url).pathname.replace(/\/+$/, "");
    let res: Response;
    if (path === "/health") {
      res = req.method === "GET"
        ? Response.json({ status: "ok", reward: reward.name })
        : jsonError(405, "/health takes GET");
    } else if (path !== "/score") res = jsonError(404, `no route ${path}`);
    else if (req.method !== "POST") res = jsonError(405, `/score takes POST, not ${req.method}`);
    else if (
      token !== null && !sameToken(req.headers.get("authorization") ?? "", `Bearer ${token}`)
    ) {
      res = jsonError(401, "missing or wrong bearer token");
    } else {
      try {
        res = await score(req);
      } catch (e) {
        res = jsonError(500, `internal error: ${(e as Error).message}`);
      }
    }
    options.log?.(`${req.method} ${path} ${res.status} ${(performance.now() - t0).toFixed(0)} ms`);
    return res;
  };
}

/**
 * Serves a reward over HTTP.
 *
 * @param reward what scores
 * @param options address, token, limits, signal
 * @returns the Deno server (await `finished`)
 * @throws when the address is not loopback and no token is set
 */
export function serveReward(reward: Reward, options: ServeRewardOptions = {}): Deno.HttpServer {
  const hostname = options.hostname ?? "127.0.0.1";
  if (!isLoopback(hostname) && !options.token) {
    throw new Error(
      `refusing to serve rewards on ${hostname} without a token: the reward server has no ` +
        `other access control, so anyone who can reach it could use it; bind 127.0.0.1, or ` +
        `set a bearer token (--token-env VAR)`,
    );
  }
  return Deno.serve({
    hostname,
    port: options.port ?? 8100,
    signal: options.signal,
    onListen: options.onListen ?? (() => {}),
  }, createRewardHandler(reward, options));
}
