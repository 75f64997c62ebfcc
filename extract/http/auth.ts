import { createHmac, randomBytes } from "node:crypto";
import { registerSecret } from "../../core/redact.js";
import type { AuthPlugin } from "./interfaces.js";

// Every header value built here is registered as a secret, so it is masked wherever it surfaces
// (a trace line, a vendor echoing it); an OAuth 1.0a signature changes per request and is masked
// by its parameter name instead.
export function bearerAuth(token: string): AuthPlugin {
  registerSecret(token);
  return {
    kind: "bearer",
    apply: (req) => {
      req.headers.authorization = `Bearer ${token}`;
    },
  };
}

export function basicAuth(username: string, password: string): AuthPlugin {
  const value = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  registerSecret(password);
  registerSecret(`${username}:${password}`);
  return {
    kind: "basic",
    apply: (req) => {
      req.headers.authorization = value;
    },
  };
}

/** RFC 3986 percent-encoding, as OAuth 1.0a requires (encodeURIComponent leaves !*'() alone). */
export function oauthEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface OAuth1Credentials {
  realm: string;
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
}

/** The signature base string of RFC 5849 §3.4.1: method, base URL, sorted encoded parameters. */
export function oauth1BaseString(method: string, url: URL, oauthParams: Record<string, string>): string {
  const params: [string, string][] = [];
  for (const [k, v] of url.searchParams) params.push([oauthEncode(k), oauthEncode(v)]);
  for (const [k, v] of Object.entries(oauthParams)) params.push([oauthEncode(k), oauthEncode(v)]);
  params.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  // WHATWG URL already lower-cases scheme and host and drops default ports, as §3.4.1.2 asks.
  const base = `${url.protocol}//${url.host}${url.pathname}`;
  return [
    method.toUpperCase(),
    oauthEncode(base),
    oauthEncode(params.map(([k, v]) => `${k}=${v}`).join("&")),
  ].join("&");
}

export function oauth1Signature(baseString: string, consumerSecret: string, tokenSecret: string): string {
  return createHmac("sha256", `${oauthEncode(consumerSecret)}&${oauthEncode(tokenSecret)}`)
    .update(baseString)
    .digest("base64");
}

/** NetSuite token-based authentication: OAuth 1.0a with HMAC-SHA256, realm = account id. */
export function oauth1Auth(c: OAuth1Credentials): AuthPlugin {
  for (const secret of [c.consumerKey, c.consumerSecret, c.tokenId, c.tokenSecret]) registerSecret(secret);
  return {
    kind: "oauth1",
    apply: (req) => {
      const oauth: Record<string, string> = {
        oauth_consumer_key: c.consumerKey,
        oauth_nonce: randomBytes(16).toString("hex"),
        oauth_signature_method: "HMAC-SHA256",
        oauth_timestamp: String(Math.floor(Date.now() / 1000)),
        oauth_token: c.tokenId,
        oauth_version: "1.0",
      };
      const signature = oauth1Signature(
        oauth1BaseString(req.method, req.url, oauth),
        c.consumerSecret,
        c.tokenSecret,
      );
      const fields = { ...oauth, oauth_signature: signature };
      req.headers.authorization =
        `OAuth realm="${c.realm}", ` +
        Object.entries(fields)
          .map(([k, v]) => `${k}="${oauthEncode(v)}"`)
          .join(", ");
    },
  };
}
