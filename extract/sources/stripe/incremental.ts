/**
 * A Stripe stream's position. `backfill` walks a list newest-first with `starting_after` (the
 * list order is stable, so a crash resumes exactly where it stopped); `incremental` re-reads
 * new objects by `created` (minus a lookback, for objects that become visible late) and changed
 * or deleted ones through `/v1/events` since `eventsSince` (Stripe's clock, unix seconds).
 */
export type StripeCursor =
  | { phase: "backfill"; startingAfter?: string; maxCreated: number; eventsSince: number }
  | { phase: "incremental"; maxCreated: number; eventsSince: number };

/** Stripe's clock from a response's Date header (falls back to ours). */
export function vendorNow(headers: Headers | undefined): number {
  const d = headers?.get("date");
  const t = d ? Date.parse(d) : NaN;
  return Math.floor((Number.isNaN(t) ? Date.now() : t) / 1000);
}
