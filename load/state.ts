import type { WarehouseSession } from "../warehouse/interfaces.js";
import type { Cursor } from "./interfaces.js";

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
  const rows = await db.query<{ cursor: Cursor | null }>(
    `SELECT cursor FROM trueup.extract_state WHERE source = $1 AND stream = $2`,
    [source, stream],
  );
  return rows[0]?.cursor ?? undefined;
}

export async function writeCursor(
  db: WarehouseSession,
  source: string,
  stream: string,
  cursor: Cursor,
  runId: string,
): Promise<void> {
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
