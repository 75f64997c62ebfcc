/**
 * The REST engine every API source uses (issue 4). One `HttpClient` per source per extract run:
 * it owns auth, retries with jittered exponential backoff, vendor rate-limit headers, a
 * client-side request budget, per-source concurrency (p-limit), timeouts and the correlation
 * header carrying the run id. Sources describe *what* to fetch; this decides *how*.
 */
import type { Logger } from "../../core/log.js";

export type QueryValue = string | number | boolean | undefined | null | (string | number)[];

export interface HttpRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path relative to the client's base URL (`/v1/customers`) or an absolute URL (a `next` link). */
  path: string;
  /** Appended to the URL; arrays repeat the key (`types[]=a&types[]=b`). */
  query?: Record<string, QueryValue>;
  /** JSON-serialised unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * false for writes that must not happen twice (reverse ETL): only answers that say the request
   * was not processed (429, 503) are retried; a reset or cut-off response is reported instead,
   * and the caller reads the destination before trying again.
   */
  idempotent?: boolean;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  /** The URL actually requested (after query encoding). */
  url: string;
}

/** Signs or decorates a request just before it is sent (bearer, basic, OAuth 1.0a TBA…). */
export interface AuthPlugin {
  readonly kind: string;
  apply(req: { method: string; url: URL; headers: Record<string, string>; body?: string }): void;
}

export interface RetryPolicy {
  /** Attempts after the first (default 6). */
  maxRetries: number;
  /** First backoff in ms (default 500); doubles each retry, full jitter, capped by `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpClientOptions {
  /** Source name, for logs, errors and the budget. */
  source: string;
  baseUrl: string;
  auth: AuthPlugin;
  runId: string;
  log: Logger;
  /** Requests in flight at once for this source (p-limit). Default 4. */
  concurrency?: number;
  /** Per-request timeout in ms (default 60 000). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Client-side budget: at most this many requests per second (token bucket). */
  requestsPerSecond?: number;
  /** Header carrying the run id (default `X-Trueup-Run-Id`). */
  correlationHeader?: string;
  /**
   * Called on every response before retry decisions; lets a source read vendor usage headers
   * (e.g. `Sforce-Limit-Info: api-usage=18/5000`) and raise a stopping error.
   */
  inspect?: (res: HttpResponse) => void;
}

export interface HttpStats {
  requests: number;
  retries: number;
  throttled: number;
  bytes: number;
}

/** Produces the request for the page after `res`, or undefined when there is none. */
export type NextPage<T> = (res: HttpResponse<T>, req: HttpRequest) => HttpRequest | undefined;

export interface HttpClient {
  readonly options: HttpClientOptions;
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
  /** Follows `next` until it returns undefined; each yielded response is one page. */
  paginate<T = unknown>(first: HttpRequest, next: NextPage<T>): AsyncGenerator<HttpResponse<T>>;
  stats(): HttpStats;
}
