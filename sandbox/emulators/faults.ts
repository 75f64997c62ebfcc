import { Rng } from "../world/rng.js";
import type { FaultProfile } from "./context.js";

export type FaultAction =
  | { kind: "none" }
  | { kind: "slow"; ms: number }
  | { kind: "throttle"; retryAfterSeconds: number }
  | { kind: "error" }
  | { kind: "truncate" }
  | { kind: "reset" };

/**
 * The fault a request meets, as a pure function of (seed, emulator, request number): the same
 * seed and the same request sequence meet the same faults, so a failing run can be replayed.
 * flaky: ≈5 % 5xx, ≈5 % 429 with a retry hint, ≈5 % slow. hostile adds ≈3 % truncated bodies
 * and ≈3 % connection resets (the vendor-specific hostilities live in each emulator).
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
  }
  return { kind: "none" };
}
