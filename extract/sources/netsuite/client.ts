import { ConfigError } from "../../../core/errors.js";
import { oauth1Auth } from "../../http/auth.js";
import type { HttpClient } from "../../http/interfaces.js";
import type { SourceContext } from "../../interfaces.js";
import { sourceClient } from "../common.js";

/** SuiteQL over REST with token-based auth (OAuth 1.0a, HMAC-SHA256, realm = account id). */
export function netsuiteClient(ctx: SourceContext): HttpClient {
  const ns = ctx.credentials.netsuite;
  if (!ns)
    throw new ConfigError(
      "the netsuite source needs NETSUITE_ACCOUNT_ID, NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_ID and NETSUITE_TOKEN_SECRET",
    );
  return sourceClient(
    ctx,
    "netsuite",
    ns.baseUrl,
    oauth1Auth({
      realm: ns.accountId.toUpperCase(),
      consumerKey: ns.consumerKey,
      consumerSecret: ns.consumerSecret,
      tokenId: ns.tokenId,
      tokenSecret: ns.tokenSecret,
    }),
  );
}
