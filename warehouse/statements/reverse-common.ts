import type { AuditRow, DeadLetterRow, SyncRunOutcome, SyncStateRow } from "./reverse.js";

/**
 * What every warehouse's reverse statements have in common. The binds, in the order each text
 * numbers them ($1…): the texts differ, what they are bound to does not. JSON values go as JSON
 * text.
 */

export function syncRunBinds(r: SyncRunOutcome): unknown[] {
  return [
    r.runId,
    r.sync,
    r.mode,
    r.status,
    r.planned,
    r.written,
    r.verified,
    r.failed,
    r.deadLettered,
    r.writeCalls,
    r.message,
    r.created,
    r.deleted,
  ];
}

export function syncStateBinds(s: SyncStateRow): unknown[] {
  return [s.sync, s.recordId, JSON.stringify(s.payload), s.runId, s.destinationId, s.createdBySync];
}

export function deadLetterBinds(d: DeadLetterRow): unknown[] {
  return [d.sync, d.recordId, JSON.stringify(d.payload), d.error, d.attempts];
}

export function auditBinds(a: AuditRow): unknown[] {
  return [
    a.runId,
    a.sync,
    a.destination,
    a.object,
    a.recordId,
    a.field,
    JSON.stringify(a.before ?? null),
    JSON.stringify(a.after ?? null),
    a.status,
    a.responseId,
    a.error,
    a.planId,
    a.sentRunId,
    a.idempotencyKey,
  ];
}

/**
 * Change detection around the model's rows (`src`: record_id, payload), `bind` the placeholder
 * of the sync's name (each use its own bind where the warehouse numbers none).
 */
export function changeDetectionText(src: string, bind: string): string {
  return `WITH src AS (
       ${src}
     ),
     st AS (SELECT record_id, payload FROM reverse.sync_state WHERE sync = ${bind}),
     f AS (SELECT record_id FROM reverse.failures WHERE sync = ${bind})
     SELECT s.record_id, s.payload, st.payload AS last, (f.record_id IS NOT NULL) AS retry,
            (SELECT count(*) FROM src) AS total
       FROM src s
       LEFT JOIN st ON st.record_id = s.record_id
       LEFT JOIN f ON f.record_id = s.record_id
      WHERE st.payload IS DISTINCT FROM s.payload OR f.record_id IS NOT NULL
      ORDER BY s.record_id`;
}
