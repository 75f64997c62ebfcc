/**
 * What every emulator is built from, and the sandbox's fixed credentials. The credentials are
 * deliberately fake and constant (like stripe-mock's `sk_test_123`): the sandbox checks them the
 * way the vendor would, so an extractor that forgets to authenticate fails here as it would live.
 */
import type { Rng } from "../world/rng.js";
import type { Emulator, SystemName } from "./interfaces.js";
import type { MemoryWorldStore } from "./store.js";

export type FaultProfile = "none" | "flaky" | "hostile";

export const SANDBOX_CREDENTIALS = {
  salesforce: { accessToken: "00DSANDBOX0000001!sandbox.session.token" },
  stripe: { apiKey: "sk_test_trueup_sandbox" },
  netsuite: {
    accountId: "TSTDRV1234567",
    consumerKey: "sandbox-consumer-key-0001",
    consumerSecret: "sandbox-consumer-secret-0001",
    tokenId: "sandbox-token-id-0001",
    tokenSecret: "sandbox-token-secret-0001",
  },
  zendesk: { email: "sandbox@trueup.example", apiToken: "sandbox-zendesk-api-token" },
  /** A private-app access token, shaped as HubSpot's (`pat-<region>-<uuid>`). */
  hubspot: { accessToken: "pat-na1-5a4d1b0e-0000-4000-8000-00000000trup" },
} as const;

export interface EmulatorOptions {
  /** Salesforce: API requests allowed per (emulated) day before REQUEST_LIMIT_EXCEEDED. */
  salesforceDailyApiRequests: number;
  /** Stripe: requests per second before 429 `rate_limit` (test mode allows 25/s; 0 = unlimited). */
  stripeRequestsPerSecond: number;
  /**
   * NetSuite: the account's date format preference, applied to every date and datetime SuiteQL
   * returns (`M/D/YYYY` as US accounts; `D/M/YYYY`, `DD.MM.YYYY`, `YYYY-MM-DD` elsewhere, with a
   * 24-hour time).
   */
  netsuiteDateFormat: "M/D/YYYY" | "D/M/YYYY" | "DD.MM.YYYY" | "YYYY-MM-DD";
  /** HubSpot: requests per rolling ten seconds, search aside (190: Professional/Enterprise private apps; 0 = unlimited). */
  hubspotRequestsPerTenSeconds: number;
  /** HubSpot: search requests per second per token (HubSpot allows 5; 0 = unlimited). */
  hubspotSearchRequestsPerSecond: number;
  /** HubSpot: requests per (UTC) day, search included (650,000: Professional private apps; 0 = unlimited). */
  hubspotDailyRequests: number;
  /** HubSpot: the most results one search serves (10,000, as HubSpot; smaller to test a client's answer to it). */
  hubspotSearchCeiling: number;
}

export const DEFAULT_EMULATOR_OPTIONS: EmulatorOptions = {
  salesforceDailyApiRequests: 1_000_000,
  stripeRequestsPerSecond: 0,
  netsuiteDateFormat: "M/D/YYYY",
  hubspotRequestsPerTenSeconds: 190,
  hubspotSearchRequestsPerSecond: 5,
  hubspotDailyRequests: 650_000,
  hubspotSearchCeiling: 10_000,
};

export interface EmulatorContext {
  store: MemoryWorldStore;
  /** `http://127.0.0.1:<port>` of this emulator, for absolute URLs in responses. */
  baseUrl: string;
  faults: FaultProfile;
  /** Seeded per emulator: vendor-specific hostile behaviour (late visibility, pages served twice…). */
  rng: Rng;
  options: EmulatorOptions;
}

export type EmulatorFactory = (ctx: EmulatorContext) => Emulator;

/** Answers the server uses when the fault profile injects a throttle or an outage, per vendor. */
export interface VendorFaults {
  throttled(retryAfterSeconds: number): { status: number; headers: Record<string, string>; body: unknown };
  serverError(): { status: number; headers: Record<string, string>; body: unknown };
}

export type SystemEmulatorModule = { system: SystemName; create: EmulatorFactory; faults: VendorFaults };
