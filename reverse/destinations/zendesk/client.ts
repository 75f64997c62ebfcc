import type { Credentials } from "../../../config/credentials.js";
import { ConfigError } from "../../../core/errors.js";
import type { Logger } from "../../../core/log.js";
import { basicAuth } from "../../../extract/http/auth.js";
import { createHttpClient } from "../../../extract/http/client.js";
import type { HttpClient } from "../../../extract/http/interfaces.js";

/** Zendesk Support API with an API token (`email/token:api_token`), on the shared HTTP engine. */
export function zendeskWriteClient(
  credentials: Credentials,
  options: { runId: string; log: Logger; concurrency?: number },
): HttpClient {
  const zd = credentials.zendesk;
  if (!zd)
    throw new ConfigError(
      "reverse ETL to Zendesk needs ZENDESK_BASE_URL (or ZENDESK_SUBDOMAIN), ZENDESK_EMAIL and ZENDESK_API_TOKEN",
    );
  return createHttpClient({
    source: "zendesk",
    baseUrl: zd.baseUrl,
    auth: basicAuth(`${zd.email}/token`, zd.apiToken),
    runId: options.runId,
    log: options.log,
    concurrency: options.concurrency ?? 2,
  });
}
