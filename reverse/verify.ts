import { errorMessage } from "../core/errors.js";
import type { BatchDelivery, LiveRecords } from "./deliver.js";
import type { PlannedChange } from "./interfaces.js";

/** Loose equality across vendor representations: 12 and "12", "2026-01-01" and a date string. */
export function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b);
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

/**
 * Read back: "synced" means the destination really holds the values. Records whose write failed
 * are read back too: a write can land while its response is lost.
 */
export async function readBack(d: BatchDelivery): Promise<void> {
  const sent = sentChanges(d);
  if (!sent.length) return;
  let after: LiveRecords = new Map();
  try {
    after = await d.readLive(sent.map((c) => c.recordId));
    for (const [key, r] of after) d.destIds.set(key, r.id);
  } catch (err) {
    for (const c of sent)
      if (!d.failures.has(c.recordId)) d.failures.set(c.recordId, `read-back failed: ${errorMessage(err)}`);
  }
  d.after = after;
}

function sentChanges(d: BatchDelivery): PlannedChange[] {
  return [...d.toWrite, ...d.already];
}

/**
 * What the read-back says of a planned change: undefined when the destination holds every
 * planned value, else why not (the write's error, or the fields that differ).
 */
export function deliveryError(d: BatchDelivery, planned: PlannedChange): string | undefined {
  const got = d.after.get(planned.recordId)?.values;
  const landed =
    sentChanges(d).some((c) => c.recordId === planned.recordId) &&
    got !== undefined &&
    Object.entries(planned.fields).every(([f, v]) => sameValue(got[f], v));
  if (landed) return undefined;
  const error = d.failures.get(planned.recordId);
  if (error) return error;
  const wrong = Object.entries(planned.fields).filter(([f, v]) => !sameValue(got?.[f], v));
  return `read-back mismatch on ${wrong.map(([f]) => f).join(", ")}`;
}

/**
 * A record absent before a keyed send and present after it was created by this sync, even when
 * the response saying so was lost; the intent keeps that across runs.
 */
export function absentBefore(d: BatchDelivery, id: string): boolean {
  return (d.keyed && !d.before.has(id)) || d.prior.get(id)?.absentBefore === true;
}

/** Created by this batch's send (found by its key after it, not before). */
export function createdNow(d: BatchDelivery, id: string): boolean {
  return d.keyed && !d.before.has(id) && d.after.has(id);
}

/** Owned by the sync: created by this send, or by an earlier run's. */
export function ownedBySync(d: BatchDelivery, id: string): boolean {
  return absentBefore(d, id) && d.after.has(id);
}
