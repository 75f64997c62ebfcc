import { STRIPE_DEFAULT_API_VERSION } from "../../../config/schema.js";
import { ConfigError } from "../../../core/errors.js";
import { bearerAuth } from "../../http/auth.js";
import type { HttpClient } from "../../http/interfaces.js";
import type { SourceContext } from "../../interfaces.js";
import { sourceClient } from "../common.js";

export function stripeClient(ctx: SourceContext): HttpClient {
  const s = ctx.credentials.stripe;
  if (!s)
    throw new ConfigError(
      "the stripe source needs STRIPE_API_KEY (and STRIPE_API_BASE for a non-default host)",
    );
  const auth = bearerAuth(s.apiKey);
  const version = ctx.config.sources.stripe?.apiVersion ?? STRIPE_DEFAULT_API_VERSION;
  // Pinned on every request: without it Stripe answers in the account's default version, which
  // an account owner can move, and a record shape that changed under the models loses fields.
  return sourceClient(ctx, "stripe", s.apiBase, {
    kind: auth.kind,
    apply: (req) => {
      auth.apply(req);
      req.headers["stripe-version"] = version;
    },
  });
}
