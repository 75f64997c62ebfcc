import type { Credentials } from "../../../config/credentials.js";
import { ConfigError } from "../../../core/errors.js";
import type { Logger } from "../../../core/log.js";
import { bearerAuth } from "../../../extract/http/auth.js";
import { createHttpClient } from "../../../extract/http/client.js";
import type { HttpClient } from "../../../extract/http/interfaces.js";

/** The Salesforce REST client reverse ETL writes through: same engine (retries, limits) as extract. */
export function salesforceWriteClient(
  credentials: Credentials,
  options: { runId: string; log: Logger; concurrency?: number },
): HttpClient {
  const sf = credentials.salesforce;
  if (!sf)
    throw new ConfigError(
      "reverse ETL to Salesforce needs SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN in the environment",
    );
  return createHttpClient({
    source: "salesforce",
    baseUrl: sf.instanceUrl,
    auth: bearerAuth(sf.accessToken),
    runId: options.runId,
    log: options.log,
    concurrency: options.concurrency ?? 2,
  });
}
