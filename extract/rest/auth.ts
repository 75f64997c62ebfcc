import type { RestAuthConfig } from "../../config/rest-source.js";
import { ConfigError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import { registerSecret } from "../../core/redact.js";
import { basicAuth, bearerAuth } from "../http/auth.js";
import { createHttpClient } from "../http/client.js";
import type { AuthPlugin } from "../http/interfaces.js";

/**
 * A REST source's auth: the plug-in that signs each request, and for OAuth2 the token it
 * fetches before the first request, again before it expires and again when the API answers 401.
 */
export interface RestAuth {
  plugin: AuthPlugin;
  /** Resolves once a request may be signed (a token is at hand). */
  ready(): Promise<void>;
  /** Fetches a new token; present when a 401 can be cured by one. */
  refresh?(): Promise<void>;
}

/** The variable's value, registered as a secret; a ConfigError naming the config key when unset. */
export function envValue(env: NodeJS.ProcessEnv, name: string, key: string, secret = true): string {
  const v = env[name];
  if (!v) throw new ConfigError(`environment variable ${name} is not set (named by ${key})`);
  if (secret) registerSecret(v);
  return v;
}

const none: AuthPlugin = { kind: "none", apply: () => undefined };

export interface AuthOptions {
  source: string;
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  runId: string;
  log: Logger;
  timeoutMs: number;
  maxRetries: number;
}

export function restAuth(cfg: RestAuthConfig, o: AuthOptions): RestAuth {
  const key = (k: string) => `sources.${o.source}.auth.${k}`;
  const ready = () => Promise.resolve();
  switch (cfg.type) {
    case "none":
      return { plugin: none, ready };
    case "bearer":
      return { plugin: bearerAuth(envValue(o.env, cfg.tokenEnv, key("tokenEnv"))), ready };
    case "basic": {
      const user = cfg.usernameEnv
        ? envValue(o.env, cfg.usernameEnv, key("usernameEnv"), false)
        : (cfg.username ?? "");
      return { plugin: basicAuth(user, envValue(o.env, cfg.passwordEnv, key("passwordEnv"))), ready };
    }
    case "api_key": {
      const value = envValue(o.env, cfg.keyEnv, key("keyEnv"));
      const plugin: AuthPlugin = {
        kind: "api_key",
        apply: (req) => {
          if (cfg.in === "query") req.url.searchParams.set(cfg.name, value);
          else req.headers[cfg.name] = value;
        },
      };
      return { plugin, ready };
    }
    case "oauth2_client_credentials":
      return oauth2ClientCredentials(cfg, o, key);
  }
}

/** Seconds before a token's stated expiry at which it is renewed anyway. */
const EXPIRY_MARGIN_S = 30;

function oauth2ClientCredentials(
  cfg: Extract<RestAuthConfig, { type: "oauth2_client_credentials" }>,
  o: AuthOptions,
  key: (k: string) => string,
): RestAuth {
  const clientId = envValue(o.env, cfg.clientIdEnv, key("clientIdEnv"), false);
  const clientSecret = envValue(o.env, cfg.clientSecretEnv, key("clientSecretEnv"));
  registerSecret(`${clientId}:${clientSecret}`);
  // The token endpoint goes through the same engine: retries, timeouts, the run id header.
  const http = createHttpClient({
    source: `${o.source} token`,
    baseUrl: o.baseUrl,
    auth: none,
    runId: o.runId,
    log: o.log,
    timeoutMs: o.timeoutMs,
    retry: { maxRetries: o.maxRetries },
  });
  let token: string | undefined;
  let expiresAt = 0;
  let pending: Promise<void> | undefined;
  const fetchToken = async () => {
    const form = new URLSearchParams({ grant_type: "client_credentials", ...cfg.params });
    if (cfg.scope) form.set("scope", cfg.scope);
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (cfg.clientAuth === "basic")
      headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
    else {
      form.set("client_id", clientId);
      form.set("client_secret", clientSecret);
    }
    const res = await http.request<{ access_token?: string; expires_in?: number }>({
      method: "POST",
      path: cfg.tokenUrl,
      body: form.toString(),
      headers,
    });
    if (!res.body.access_token)
      throw new ConfigError(`${key("tokenUrl")}: the token endpoint answered without an access_token`);
    token = res.body.access_token;
    registerSecret(token);
    const ttl = Number(res.body.expires_in ?? 3600);
    expiresAt = Date.now() + Math.max(0, ttl - EXPIRY_MARGIN_S) * 1000;
  };
  // Requests in flight at once share one token request.
  const refresh = () => {
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  };
  return {
    plugin: {
      kind: "oauth2",
      apply: (req) => {
        if (token) req.headers.authorization = `Bearer ${token}`;
      },
    },
    ready: () => (token && Date.now() < expiresAt ? Promise.resolve() : refresh()),
    refresh,
  };
}
