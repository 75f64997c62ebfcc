import type { Config } from "../../config/schema.js";
import { createHttpClient } from "../http/client.js";
import type { AuthPlugin, HttpClient, HttpClientOptions } from "../http/interfaces.js";
import type { SourceContext } from "../interfaces.js";

type ApiSource = "salesforce" | "stripe" | "netsuite" | "zendesk";

/** A source's HTTP client with the knobs its config section sets (concurrency, budget, timeout, retries). */
export function sourceClient(
  ctx: SourceContext,
  source: ApiSource,
  baseUrl: string,
  auth: AuthPlugin,
  extra: Partial<HttpClientOptions> = {},
): HttpClient {
  const cfg = ctx.config.sources[source]!;
  const client = createHttpClient({
    source,
    baseUrl,
    auth,
    runId: ctx.runId,
    log: ctx.log,
    concurrency: cfg.concurrency,
    requestsPerSecond: cfg.requestsPerSecond,
    timeoutMs: cfg.timeoutMs,
    retry: { maxRetries: cfg.maxRetries },
    ...extra,
  });
  ctx.onClient?.(client);
  return client;
}

/** Streams enabled by config: the configured list, else every stream the source offers. */
export function enabledStreams(config: Config, source: ApiSource, offered: readonly string[]): string[] {
  const cfg = config.sources[source];
  if (!cfg || !cfg.enabled) return [];
  return cfg.streams ?? [...offered];
}
