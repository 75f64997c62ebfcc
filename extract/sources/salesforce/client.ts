import { ConfigError } from "../../../core/errors.js";
import { bearerAuth } from "../../http/auth.js";
import { QuotaExhaustedError } from "../../http/errors.js";
import type { HttpClient } from "../../http/interfaces.js";
import type { SourceContext } from "../../interfaces.js";
import { sourceClient } from "../common.js";

/** `Sforce-Limit-Info: api-usage=18/5000`. */
export function parseLimitInfo(h: string | null | undefined): { used: number; limit: number } | undefined {
  const m = h ? /api-usage=(\d+)\/(\d+)/.exec(h) : null;
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : undefined;
}

/**
 * This source's part of the org's daily API quota. The org's other integrations share the
 * quota, so the source stops at `maxDailyApiShare` of it rather than at the org's hard limit.
 */
export class ApiBudget {
  used?: number;
  limit?: number;
  constructor(readonly share: number) {}

  observe(header: string | null | undefined): void {
    const info = parseLimitInfo(header);
    if (!info) return;
    // Streams run in parallel: keep the highest usage seen, not the last to arrive.
    this.used = Math.max(this.used ?? 0, info.used);
    this.limit = info.limit;
  }

  spent(): boolean {
    return this.used !== undefined && this.limit !== undefined && this.used >= this.limit * this.share;
  }

  /** Throws before the next request once the share is spent; what is committed stays committed. */
  check(what: string): void {
    if (this.spent())
      throw new QuotaExhaustedError(
        `Salesforce ${what}: API usage ${this.used}/${this.limit} reached this source's share ` +
          `(maxDailyApiShare ${this.share}); stopped after the last committed page, the next run resumes from its cursor`,
      );
  }
}

export interface SalesforceClient {
  http: HttpClient;
  budget: ApiBudget;
}

/** Salesforce REST with the org's access token; every response's Sforce-Limit-Info feeds the budget. */
export function salesforceClient(ctx: SourceContext): SalesforceClient {
  const sf = ctx.credentials.salesforce;
  if (!sf)
    throw new ConfigError("the salesforce source needs SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN");
  const budget = new ApiBudget(ctx.config.sources.salesforce?.maxDailyApiShare ?? 0.5);
  const http = sourceClient(ctx, "salesforce", sf.instanceUrl, bearerAuth(sf.accessToken), {
    inspect: (res) => {
      budget.observe(res.headers.get("sforce-limit-info"));
      const body = res.body as { errorCode?: string; message?: string }[] | undefined;
      if (res.status === 403 && Array.isArray(body) && body[0]?.errorCode === "REQUEST_LIMIT_EXCEEDED")
        throw new QuotaExhaustedError(
          `Salesforce ${new URL(res.url).pathname}: REQUEST_LIMIT_EXCEEDED (${body[0].message ?? "daily API quota used up"}); ` +
            "stopped after the last committed page, the next run resumes from its cursor",
        );
    },
  });
  return { http, budget };
}
