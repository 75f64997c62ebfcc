import { Rng } from "../world/rng.js";
import type { FaultProfile } from "./context.js";

export type FaultAction =
  | { kind: "none" }
  | { kind: "slow"; ms: number }
  | { kind: "throttle"; retryAfterSeconds: number }
  | { kind: "error" }
  | { kind: "truncate" }
  | { kind: "reset" }
  | { kind: "replay" };

/**
 * The fault a request meets, as a pure function of (seed, emulator, request number): the same
 * seed and the same request sequence meet the same faults, so a failing run can be replayed.
 * flaky: ≈5 % 5xx, ≈5 % 429 with a retry hint, ≈5 % slow. hostile adds ≈3 % truncated bodies
 * and ≈3 % connection resets, and ≈3 % of next-page reads answered with the page served before
 * (duplicates a client must absorb). The vendor-specific hostilities live in each emulator.
 */
export function faultFor(profile: FaultProfile, seed: number, stream: number, n: number): FaultAction {
  if (profile === "none") return { kind: "none" };
  const rng = new Rng(seed ^ Math.imul(n + 1, 0x9e3779b1), stream + 1);
  const x = rng.next();
  if (x < 0.05) return { kind: "error" };
  if (x < 0.1) return { kind: "throttle", retryAfterSeconds: rng.int(0, 2) };
  if (x < 0.15) return { kind: "slow", ms: rng.int(200, 800) };
  if (profile === "hostile") {
    if (x < 0.18) return { kind: "truncate" };
    if (x < 0.21) return { kind: "reset" };
    if (x < 0.24) return { kind: "replay" };
  }
  return { kind: "none" };
}

const PAGING = new Set([
  "starting_after",
  "ending_before",
  "cursor",
  "offset",
  "start_time",
  "limit",
  "page",
]);

/**
 * Which "list" a read belongs to, so a page can be served again to the request for the next page
 * of the same list (never to another list, nor to a write): the path without paging parameters,
 * Salesforce query locators without their offset, and the table a SuiteQL query reads.
 */
export function listKey(
  method: string,
  path: string,
  query: Record<string, string | string[]>,
  rawBody: string,
): string | undefined {
  const suiteql = path.endsWith("/suiteql");
  if (method !== "GET" && !suiteql) return undefined;
  const rest = Object.entries(query)
    .filter(([k]) => !PAGING.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join("&");
  const table = suiteql ? /\bFROM\s+(\w+)/i.exec(rawBody)?.[1]?.toLowerCase() : "";
  return `${method} ${path.replace(/(\/query\/01g[0-9A-F]+)-\d+$/, "$1")}?${rest}#${table ?? ""}`;
}
