import { ConfigError } from "../../../core/errors.js";
import { bearerAuth } from "../../http/auth.js";
import { QuotaExhaustedError } from "../../http/errors.js";
import type { HttpClient } from "../../http/interfaces.js";
import type { SourceContext } from "../../interfaces.js";
import { sourceClient } from "../shared.js";

/** `Sforce-Limit-Info: api-usage=18/5000`. */
export function parseLimitInfo(h: string | null): { used: number; limit: number } | undefined {
  const m = h ? /api-usage=(\d+)\/(\d+)/.exec(h) : null;
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : undefined;
}

/**
 * Salesforce REST with the org's access token. Every response's Sforce-Limit-Info is read: once
 * this source has used its share of the org's daily API quota (maxDailyApiShare), it stops
 * before the org does, leaving the rest for the org's other integrations.
 */
export function salesforceClient(ctx: SourceContext): HttpClient {
  const sf = ctx.credentials.salesforce;
  if (!sf)
    throw new ConfigError("the salesforce source needs SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN");
  const share = ctx.config.sources.salesforce?.maxDailyApiShare ?? 0.5;
  return sourceClient(ctx, "salesforce", sf.instanceUrl, bearerAuth(sf.accessToken), {
    inspect: (res) => {
      const info = parseLimitInfo(res.headers.get("sforce-limit-info"));
      const body = res.body as { errorCode?: string }[] | undefined;
      if (res.status === 403 && Array.isArray(body) && body[0]?.errorCode === "REQUEST_LIMIT_EXCEEDED")
        throw new QuotaExhaustedError(
          "Salesforce REQUEST_LIMIT_EXCEEDED: the org's daily API quota is used up; the stream stopped at its last saved cursor and resumes next run",
        );
      if (info && info.used >= info.limit * share)
        throw new QuotaExhaustedError(
          `Salesforce API usage ${info.used}/${info.limit} reached this source's share (${share * 100} %); the stream stopped at its last saved cursor and resumes next run`,
        );
    },
  });
}
