import { redactText } from "../core/redact.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import { SAVE_CURSOR } from "../warehouse/snowflake/sql.js";
import { fromVariant } from "../warehouse/snowflake/types.js";
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
  return fromVariant(rows[0]?.cursor ?? null) ?? undefined;
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
  return rows.map((r) => ({ stream: r.stream, cursor: fromVariant(r.cursor) }));
}

export async function writeCursor(
  db: WarehouseSession,
  source: string,
  stream: string,
  cursor: Cursor,
  runId: string,
): Promise<void> {
  if (db.dialect === "snowflake") {
    await db.query(SAVE_CURSOR, [source, stream, JSON.stringify(cursor), runId]);
    return;
  }
  await db.query(
    `INSERT INTO trueup.extract_state (source, stream, cursor, updated_at, run_id)
     VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (source, stream) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now(), run_id = EXCLUDED.run_id`,
    [source, stream, JSON.stringify(cursor), runId],
  );
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
  // Snowflake takes PARSE_JSON in a SELECT, not in VALUES; Postgres casts the text to jsonb.
  await db.query(
    db.dialect === "snowflake"
      ? `INSERT INTO "trueup"."rejects" ("run_id", "source", "stream", "position", "record_key", "field", "reason", "record")
         SELECT $1, $2, $3, $4, $5, $6, $7, PARSE_JSON($8)`
      : `INSERT INTO trueup.rejects (run_id, source, stream, position, record_key, field, reason, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      runId,
      source,
      stream,
      r.position,
      r.recordKey ?? null,
      r.field ?? null,
      redactText(r.reason),
      r.record === undefined ? null : JSON.stringify(r.record),
    ],
  );
}
