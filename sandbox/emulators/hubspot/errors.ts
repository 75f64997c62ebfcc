import type { Rng } from "../../world/rng.js";
import type { SandboxResponse } from "../interfaces.js";

/**
 * HubSpot's error bodies and rate limits. Every error is `{status: "error", message,
 * correlationId, category}` (plus `errors`/`context` where HubSpot gives them); a throttle adds
 * `errorType: "RATE_LIMIT"` and the policy that was hit.
 */

export type HubspotCategory =
  "VALIDATION_ERROR" | "INVALID_AUTHENTICATION" | "OBJECT_NOT_FOUND" | "RATE_LIMITS" | "MISSING_SCOPES";

const HEX = "0123456789abcdef";

/** A correlation id shaped as HubSpot's (a UUID), from the emulator's seeded stream. */
export function correlationId(rng: Rng): string {
  const h = (n: number) => rng.chars(n, HEX);
  return `${h(8)}-${h(4)}-4${h(3)}-a${h(3)}-${h(12)}`;
}

export function hsError(
  rng: Rng,
  status: number,
  category: HubspotCategory,
  message: string,
  extra: Record<string, unknown> = {},
): SandboxResponse {
  return {
    status,
    body: { status: "error", message, correlationId: correlationId(rng), category, ...extra },
  };
}

export const AUTH_MESSAGE =
  "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview";

export type RatePolicy = "SECONDLY" | "TEN_SECONDLY_ROLLING" | "DAILY";

/** The message of each policy's 429 (the official Node client retries SECONDLY by this text). */
export const POLICY_MESSAGES: Record<RatePolicy, string> = {
  SECONDLY: "You have reached your secondly limit.",
  TEN_SECONDLY_ROLLING: "You have reached your ten_secondly_rolling limit.",
  DAILY: "You have reached your daily limit.",
};

/** A 429 as HubSpot sends it: no Retry-After, the policy in the body. */
export function rateLimited(
  rng: Rng,
  policyName: RatePolicy,
  headers: Record<string, string> = {},
): { status: number; headers: Record<string, string>; body: unknown } {
  return {
    status: 429,
    headers,
    body: {
      status: "error",
      message: POLICY_MESSAGES[policyName],
      errorType: "RATE_LIMIT",
      correlationId: correlationId(rng),
      policyName,
      groupName: "publicapi:private-app:sandbox",
    },
  };
}

/**
 * A sliding window of request times (emulated clock): `take(now)` answers whether one more
 * request fits in `windowMs`, and records it when it does.
 */
export class RollingWindow {
  private readonly times: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  private prune(now: number): void {
    while (this.times.length && this.times[0]! <= now - this.windowMs) this.times.shift();
  }

  take(now: number): boolean {
    if (this.max <= 0) return true;
    this.prune(now);
    if (this.times.length >= this.max) return false;
    this.times.push(now);
    return true;
  }

  remaining(now: number): number {
    this.prune(now);
    return Math.max(0, this.max - this.times.length);
  }
}
