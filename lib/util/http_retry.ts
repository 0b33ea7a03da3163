/**
 * JSON over HTTP with retries, the policy of the kit's HTTP clients: a timeout per attempt,
 * and retries with exponential backoff (with jitter, or the server's `Retry-After`) on 429,
 * 5xx, timeouts and connection errors. Other 4xx answers are not retried: they throw an
 * {@link HttpStatusError} at once.
 *
 * @module
 */

/** The retry policy. */
export interface RetryPolicy {
  /** Milliseconds per attempt. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff in ms (doubles per retry, with jitter). */
  retryBaseMs: number;
  /** Longest backoff in ms. */
  retryMaxMs: number;
  /** The fetch function (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A non-retryable HTTP answer (4xx other than 429). */
export class HttpStatusError extends Error {
  /**
   * @param status the HTTP status
   * @param body the answer's text
   * @param message what failed
   */
  constructor(readonly status: number, readonly body: string, message: string) {
    super(message);
    this.name = "HttpStatusError";
  }
}

/** One HTTP call. */
export interface JsonRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON when given. */
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * The message of a JSON error body (`{error: {message}}` or `{message}`), else the text.
 *
 * @param text the body
 * @returns the message
 */
export function errorBodyMessage(text: string): string {
  try {
    const j = JSON.parse(text);
    return j?.error?.message ?? j?.message ?? text.slice(0, 500);
  } catch {
    return text.slice(0, 500);
  }
}

/**
 * Sends a request and parses the JSON answer, retrying per the policy.
 *
 * @param req method, URL, headers, body, signal
 * @param policy timeout and retries
 * @returns the parsed answer
 * @throws {HttpStatusError} on a non-retryable status; an Error after the last attempt; the
 *   signal's reason when aborted
 */
export async function fetchJsonWithRetry(req: JsonRequest, policy: RetryPolicy): Promise<unknown> {
  const doFetch = policy.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { "content-type": "application/json", ...req.headers };
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const what = `${req.method} ${req.url}`;
  for (let attempt = 0;; attempt++) {
    req.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const both = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let wait: number | null = null, why: string;
    try {
      const res = await doFetch(req.url, { method: req.method, headers, body, signal: both });
      const text = await res.text();
      if (res.ok) return JSON.parse(text);
      why = `HTTP ${res.status}: ${errorBodyMessage(text)}`;
      if (res.status !== 429 && res.status < 500) {
        throw new HttpStatusError(res.status, text, `${what}: ${why}`);
      }
      const after = Number(res.headers.get("retry-after"));
      if (after > 0) wait = after * 1000;
    } catch (e) {
      if (e instanceof HttpStatusError) throw e;
      if (req.signal?.aborted) throw req.signal.reason;
      why = timeout.aborted ? `timed out after ${policy.timeoutMs} ms` : (e as Error).message;
    }
    if (attempt >= policy.maxRetries) {
      throw new Error(`${what} failed after ${attempt + 1} attempts: ${why}`);
    }
    const backoff = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** attempt);
    await sleep(wait ?? backoff * (0.5 + Math.random() / 2), req.signal);
  }
}

/**
 * Waits, unless the signal aborts first.
 *
 * @param ms milliseconds
 * @param signal cancels the wait (rejects with its reason)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
