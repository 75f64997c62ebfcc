import { ConfigError } from "../../../core/errors.js";
import { basicAuth } from "../../http/auth.js";
import type { HttpClient } from "../../http/interfaces.js";
import type { SourceContext } from "../../interfaces.js";
import { sourceClient } from "../common.js";

export function zendeskClient(ctx: SourceContext): HttpClient {
  const z = ctx.credentials.zendesk;
  if (!z)
    throw new ConfigError(
      "the zendesk source needs ZENDESK_BASE_URL (or ZENDESK_SUBDOMAIN), ZENDESK_EMAIL and ZENDESK_API_TOKEN",
    );
  return sourceClient(ctx, "zendesk", z.baseUrl, basicAuth(`${z.email}/token`, z.apiToken));
}
