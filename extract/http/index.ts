export * from "./interfaces.js";
export { createHttpClient, retryAfterMs } from "./client.js";
export { basicAuth, bearerAuth, oauth1Auth, oauth1BaseString, oauth1Signature, oauthEncode } from "./auth.js";
export { HttpError, QuotaExhaustedError, vendorMessage, safeUrl } from "./errors.js";
export { cursorParam, nextUrl, offsetLimit, startingAfter } from "./pagination.js";
