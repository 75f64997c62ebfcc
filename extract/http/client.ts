import pLimit from "p-limit";
import { redactText } from "../../core/redact.js";
import { HttpError, QuotaExhaustedError, safeUrl, vendorMessage } from "./errors.js";
import type {
  HttpClient,
  HttpClientOptions,
  HttpRequest,
  HttpResponse,
  HttpStats,
  NextPage,
  QueryValue,
} from "./interfaces.js";

const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/** How much of a response body a trace line shows; the line says how long the whole body was. */
const TRACE_BODY_CHARS = 2000;

function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): URL {
  const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(baseUrl.replace(/\/$/, "") + path);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
    else url.searchParams.set(k, String(v));
  }
  return url;
}

/** Retry-After: seconds or an HTTP date; undefined when absent or unparsable. */
export function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Token bucket: at most `rate` requests per second, bursting to `rate`. */
class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly rate: number) {
    this.tokens = rate;
  }
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000));
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Attempt {
  constructor(
    readonly retry: boolean,
    readonly error: Error,
    readonly minDelayMs = 0,
  ) {}
}

/**
 * The one REST engine: every request goes through the source's concurrency limit and budget,
 * is signed by its auth plug-in, carries the run id, and is retried with full-jitter
 * exponential backoff on 429/5xx/resets/timeouts/truncated bodies — never less than the
 * vendor's Retry-After, never when the vendor says `Stripe-Should-Retry: false`.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const limit = pLimit(options.concurrency ?? 4);
  const bucket = options.requestsPerSecond ? new TokenBucket(options.requestsPerSecond) : undefined;
  const retry = { maxRetries: 6, baseDelayMs: 500, maxDelayMs: 30_000, ...options.retry };
  const timeoutMs = options.timeoutMs ?? 60_000;
  const header = options.correlationHeader ?? "X-Trueup-Run-Id";
  const stats: HttpStats = { requests: 0, retries: 0, throttled: 0, bytes: 0 };
  const log = options.log.child({ source: options.source });

  async function once<T>(req: HttpRequest): Promise<HttpResponse<T> | Attempt> {
    const method = req.method ?? "GET";
    const url = buildUrl(options.baseUrl, req.path, req.query);
    const headers: Record<string, string> = {
      accept: "application/json",
      [header]: options.runId,
      ...req.headers,
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      headers["content-type"] ??= "application/json";
    }
    options.auth.apply({ method, url, headers, body });
    if (bucket) await bucket.take();
    stats.requests++;
    const where = `${options.source} ${method} ${safeUrl(url.toString())}`;
    const tracing = log.isLevelEnabled("trace");
    // Headers go in whole: the logger masks Authorization and every registered credential.
    if (tracing) log.trace({ method, url: safeUrl(url.toString()), headers }, "http request");
    const startedAt = Date.now();
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      return new Attempt(
        true,
        new Error(redactText(`${where}: network error (${cause}): ${(err as Error).message}`)),
      );
    }
    if (tracing)
      log.trace(
        {
          method,
          url: safeUrl(url.toString()),
          status: res.status,
          ms: Date.now() - startedAt,
          headers: Object.fromEntries(res.headers),
          bodyChars: text.length,
          body: text.length > TRACE_BODY_CHARS ? `${text.slice(0, TRACE_BODY_CHARS)}…` : text,
        },
        "http response",
      );
    else
      log.debug(
        {
          method,
          url: safeUrl(url.toString()),
          status: res.status,
          ms: Date.now() - startedAt,
          bytes: text.length,
        },
        "http request",
      );
    stats.bytes += text.length;
    let parsed: unknown = text;
    const isJson = (res.headers.get("content-type") ?? "").includes("json") || /^\s*[[{]/.test(text);
    if (text && isJson) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // A 2xx whose JSON does not parse was cut off in transit: read it again.
        if (res.ok)
          return new Attempt(true, new Error(`${where}: truncated response body (${text.length} bytes)`));
      }
    }
    const response: HttpResponse<T> = {
      status: res.status,
      headers: res.headers,
      body: parsed as T,
      url: url.toString(),
    };
    options.inspect?.(response);
    if (res.ok) return response;
    if (res.status === 429) stats.throttled++;
    const shouldRetry = res.headers.get("stripe-should-retry");
    const retryable =
      shouldRetry === "true" ? true : shouldRetry === "false" ? false : RETRYABLE_STATUS.has(res.status);
    // Vendors echo credentials in their errors (Stripe: "Invalid API Key provided: sk_…").
    const message = redactText(
      `${where} → ${res.status}${vendorMessage(parsed) ? `: ${vendorMessage(parsed)}` : ""}`,
    );
    return new Attempt(
      retryable,
      new HttpError(message, res.status, safeUrl(url.toString()), parsed, retryable),
      retryAfterMs(res.headers.get("retry-after")),
    );
  }

  async function request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    return limit(async () => {
      for (let attempt = 0; ; attempt++) {
        const r = await once<T>(req);
        if (!(r instanceof Attempt)) return r;
        const safe =
          req.idempotent !== false ||
          (r.error instanceof HttpError && (r.error.status === 429 || r.error.status === 503));
        if (!r.retry || !safe || attempt >= retry.maxRetries || r.error instanceof QuotaExhaustedError)
          throw r.error;
        const backoff = Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
        const delay = Math.max(backoff, r.minDelayMs);
        stats.retries++;
        log.debug(
          { attempt: attempt + 1, delayMs: Math.round(delay), error: r.error.message },
          "retrying request",
        );
        await sleep(delay);
      }
    });
  }

  async function* paginate<T>(first: HttpRequest, next: NextPage<T>): AsyncGenerator<HttpResponse<T>> {
    let req: HttpRequest | undefined = first;
    while (req) {
      const res: HttpResponse<T> = await request<T>(req);
      yield res;
      req = next(res, req);
    }
  }

  return { options, request, paginate, stats: () => ({ ...stats }) };
}
