import { redactText } from "../core/redact.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import { jsonColumnValue, loadStatements } from "../warehouse/statements/load.js";
import type { Cursor, RejectRecord } from "./interfaces.js";

/**
 * Extraction state lives in the warehouse next to the data it describes (as in dlt), in
 * `trueup.extract_state`, and is only ever written inside the transaction that loads the rows
 * it covers: a cursor can never be ahead of its data.
 */
export async function readCursor(
  db: WarehouseSession,
  source: string,
  stream: string,
): Promise<Cursor | undefined> {
  const rows = await db.query<{ cursor: Cursor | string | null }>(
    `SELECT "cursor" FROM trueup.extract_state WHERE "source" = $1 AND "stream" = $2`,
    [source, stream],
  );
  return jsonColumnValue(rows[0]?.cursor ?? null) ?? undefined;
}

/** Every stream's cursor of one source. */
export async function readCursors(
  db: WarehouseSession,
  source: string,
): Promise<{ stream: string; cursor: Cursor | null }[]> {
  const rows = await db.query<{ stream: string; cursor: Cursor | string | null }>(
    `SELECT "stream", "cursor" FROM trueup.extract_state WHERE "source" = $1`,
    [source],
  );
  return rows.map((r) => ({ stream: r.stream, cursor: jsonColumnValue(r.cursor) }));
}

export async function writeCursor(
  db: WarehouseSession,
  source: string,
  stream: string,
  cursor: Cursor,
  runId: string,
): Promise<void> {
  await loadStatements(db).saveCursor(db, { source, stream, cursor, runId });
}

export async function resetCursor(db: WarehouseSession, source: string, stream: string): Promise<void> {
  await db.query(`DELETE FROM trueup.extract_state WHERE source = $1 AND stream = $2`, [source, stream]);
}

/** A rejected record, in the same transaction as the batch it came with. */
export async function insertReject(
  db: WarehouseSession,
  runId: string,
  source: string,
  stream: string,
  r: RejectRecord,
): Promise<void> {
  await loadStatements(db).recordReject(db, {
    runId,
    source,
    stream,
    reject: { ...r, reason: redactText(r.reason) },
  });
}
