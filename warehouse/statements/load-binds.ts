import type { CursorRow, RejectRow } from "./load.js";

/** trueup.rejects' binds, in the order every warehouse's text numbers them ($1…). */
export function rejectBinds(row: RejectRow): unknown[] {
  const r = row.reject;
  return [
    row.runId,
    row.source,
    row.stream,
    r.position,
    r.recordKey ?? null,
    r.field ?? null,
    r.reason,
    r.record === undefined ? null : JSON.stringify(r.record),
  ];
}

/** trueup.extract_state's binds: source, stream, cursor as JSON, run id. */
export function cursorBinds(row: CursorRow): unknown[] {
  return [row.source, row.stream, JSON.stringify(row.cursor), row.runId];
}
