import type { Credentials } from "../../../config/credentials.js";
import { ConfigError } from "../../../core/errors.js";
import type { Logger } from "../../../core/log.js";
import { bearerAuth } from "../../../extract/http/auth.js";
import { createHttpClient } from "../../../extract/http/client.js";
import { QuotaExhaustedError } from "../../../extract/http/errors.js";
import type { HttpClient, HttpResponse } from "../../../extract/http/interfaces.js";

/**
 * HubSpot's 429 names the limit it hit: the rolling ten-second and secondly ones pass and are
 * retried by the engine (HubSpot sends no Retry-After); the daily one does not pass today, so
 * the sync stops instead of retrying into it.
 */
function stopOnDailyLimit(res: HttpResponse): void {
  const body = res.body as { policyName?: string; message?: string } | undefined;
  if (res.status === 429 && body?.policyName === "DAILY")
    throw new QuotaExhaustedError(
      `HubSpot's daily API limit is used up (${body.message ?? "DAILY"}); the sync resumes on its next run`,
    );
}

/** The HubSpot CRM v3 client reverse ETL writes through: a private app's bearer token, the shared engine. */
export function hubspotWriteClient(
  credentials: Credentials,
  options: { runId: string; log: Logger; concurrency?: number },
): HttpClient {
  const hs = credentials.hubspot;
  if (!hs)
    throw new ConfigError(
      "reverse ETL to HubSpot needs HUBSPOT_ACCESS_TOKEN (a private app's token) in the environment; HUBSPOT_BASE_URL defaults to https://api.hubapi.com",
    );
  return createHttpClient({
    source: "hubspot",
    baseUrl: hs.baseUrl,
    auth: bearerAuth(hs.accessToken),
    runId: options.runId,
    log: options.log,
    concurrency: options.concurrency ?? 2,
    inspect: stopOnDailyLimit,
  });
}
