import { ConfigError } from "../../../core/errors.js";
import { bearerAuth } from "../../http/auth.js";
import type { HttpClient } from "../../http/interfaces.js";
import type { SourceContext } from "../../interfaces.js";
import { sourceClient } from "../shared.js";

export function stripeClient(ctx: SourceContext): HttpClient {
  const s = ctx.credentials.stripe;
  if (!s)
    throw new ConfigError(
      "the stripe source needs STRIPE_API_KEY (and STRIPE_API_BASE for a non-default host)",
    );
  return sourceClient(ctx, "stripe", s.apiBase, bearerAuth(s.apiKey));
}
