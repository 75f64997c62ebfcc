import { TrueupError } from "../../core/errors.js";

/** A vendor answered with an error status (after retries, when the status was retryable). */
export class HttpError extends TrueupError {
  constructor(
    message: string,
    readonly status: number,
    readonly url: string,
    readonly body: unknown,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * The vendor's (or our own budget's) request quota is used up. A source throws it to stop its
 * stream cleanly after the last committed page; the next run resumes from the saved cursor.
 */
export class QuotaExhaustedError extends TrueupError {}

/** The vendor's own words for an error, whatever its error shape. */
export function vendorMessage(body: unknown): string | undefined {
  if (!body) return undefined;
  if (typeof body === "string") return body.slice(0, 300);
  if (Array.isArray(body)) {
    const first = body[0] as { message?: string; errorCode?: string } | undefined;
    if (first?.message) return first.errorCode ? `${first.errorCode}: ${first.message}` : first.message;
    return undefined;
  }
  const b = body as Record<string, unknown>;
  const err = b.error;
  if (err && typeof err === "object") {
    const e = err as { message?: string; type?: string; code?: string };
    if (e.message) return e.code ? `${e.code}: ${e.message}` : e.message;
  }
  const details = b["o:errorDetails"] as { detail?: string; "o:errorCode"?: string }[] | undefined;
  if (details?.[0]?.detail) return `${details[0]["o:errorCode"] ?? "ERROR"}: ${details[0].detail}`;
  if (typeof err === "string") return typeof b.description === "string" ? `${err}: ${b.description}` : err;
  if (typeof b.title === "string") return b.title;
  if (typeof b.message === "string") return b.message;
  return undefined;
}

/** URL safe to print: a userinfo password and query values that look like secrets are masked. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    for (const k of [...u.searchParams.keys()])
      if (/token|key|secret|password|signature/i.test(k)) u.searchParams.set(k, "****");
    return u.toString();
  } catch {
    return url;
  }
}
