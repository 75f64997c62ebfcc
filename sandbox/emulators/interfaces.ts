/**
 * Shared types of the vendor emulators. One emulator per vendor lives in
 * `sandbox/emulators/<system>/` and exposes an `Emulator`; the server (`server.ts`) gives each
 * its own port, records every vendor request in the request log, applies the fault profile, and
 * answers the admin surface (`/__sandbox/...`) on every port alike.
 */
import type { IncomingHttpHeaders } from "node:http";

export type SystemName = "salesforce" | "stripe" | "netsuite" | "zendesk" | "hubspot";

/** A parsed inbound request, body already read (JSON parsed when the content type says so). */
export interface SandboxRequest {
  method: string;
  /** Path without query string, e.g. `/v1/customers`. */
  path: string;
  /** Query parameters; repeated keys (`types[]=a&types[]=b`) become arrays. */
  query: Record<string, string | string[]>;
  /** The raw query string as sent (OAuth 1.0a signs it). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
  /** Full URL as the client addressed it (scheme://host:port/path?query), for signatures and `url` fields. */
  url: string;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON unless it is already a string. */
  body?: unknown;
}

/**
 * The world as the emulators hold it in memory: per system, per object name (the world file's
 * base name, e.g. `Account`, `customers`, `transaction`, `organizations`), records in file order.
 * Mutations go through the store so that modification timestamps and Stripe events stay consistent.
 */
export interface WorldStore {
  readonly asOf: Date;
  /** The emulated "now": as_of of the world plus the wall time elapsed since the sandbox started. */
  now(): Date;
  list(system: SystemName, object: string): readonly Record<string, unknown>[];
  get(system: SystemName, object: string, id: string): Record<string, unknown> | undefined;
  /** Applies a JSON merge patch as a user edit would: bumps the record's modification time, emits events. */
  patch(
    system: SystemName,
    object: string,
    id: string,
    patch: Record<string, unknown>,
  ): Record<string, unknown>;
  /** Replaces/inserts a record without side effects other than indexing (used by emulators' own writes). */
  put(system: SystemName, object: string, record: Record<string, unknown>): void;
}

export interface Emulator {
  readonly system: SystemName;
  handle(req: SandboxRequest): Promise<SandboxResponse> | SandboxResponse;
}
