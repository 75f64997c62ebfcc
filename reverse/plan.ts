import { isDeepStrictEqual } from "node:util";
import type { SyncConfig } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { quoteLiteral } from "../warehouse/identifiers.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import type { FieldValues, PlannedChange, SyncPlan } from "./interfaces.js";

/**
 * Change detection runs in the warehouse: the model's mapped values are built as one JSON object
 * per destination record and compared with the last payload this sync delivered
 * (`reverse.sync_state`); only records that differ, plus earlier failures, come back to Node.
 * Node then keeps only the fields that changed, and applies the write policy (no null
 * overwrites unless the mapping allows it).
 */
export async function planSync(db: WarehouseSession, sync: SyncConfig): Promise<SyncPlan> {
  const [schema, name] = sync.model.includes(".") ? sync.model.split(".", 2) : ["canonical", sync.model];
  const rel = db.quoteTable({ schema: schema!, name: name! });
  if (!(await db.tableExists({ schema: schema!, name: name! })) && !(await isView(db, schema!, name!))) {
    throw new ConfigError(
      `sync ${sync.name}: its model ${sync.model} does not exist; build it first (trueup build)`,
    );
  }
  const fields = Object.entries(sync.mapping);
  const obj = `jsonb_build_object(${fields.map(([f, c]) => `${quoteLiteral(f)}, m.${db.quoteIdent(c)}`).join(", ")})`;
  const key = `m.${db.quoteIdent(sync.matchKey.column)}`;
  const rows = await db.query<{
    record_id: string;
    payload: FieldValues;
    last: FieldValues | null;
    retry: boolean;
    total: string;
  }>(
    `WITH src AS (
       SELECT DISTINCT ON (CAST(${key} AS text)) CAST(${key} AS text) AS record_id, ${obj} AS payload
         FROM ${rel} m WHERE ${key} IS NOT NULL ORDER BY CAST(${key} AS text)
     )
     SELECT s.record_id, s.payload, st.payload AS last, (f.record_id IS NOT NULL) AS retry,
            (SELECT count(*) FROM src) AS total
       FROM src s
       LEFT JOIN reverse.sync_state st ON st.sync = $1 AND st.record_id = s.record_id
       LEFT JOIN reverse.failures f ON f.sync = $1 AND f.record_id = s.record_id
      WHERE st.payload IS DISTINCT FROM s.payload OR f.record_id IS NOT NULL
      ORDER BY s.record_id`,
    [sync.name],
  );
  const total = rows.length
    ? Number(rows[0]!.total)
    : Number((await db.query<{ n: string }>(`SELECT count(DISTINCT ${key}) AS n FROM ${rel} m`))[0]!.n);
  const changes: PlannedChange[] = [];
  let withheld = 0;
  for (const r of rows) {
    const last = r.last ?? {};
    const changed: FieldValues = {};
    const previous: FieldValues = {};
    let held = false;
    for (const [field, value] of Object.entries(r.payload)) {
      const unchanged = r.last !== null && isDeepStrictEqual(last[field], value);
      if (unchanged) continue;
      if (value === null && !sync.allowNull.includes(field)) {
        held = true; // never overwrite a destination value with null unless the mapping says so
        continue;
      }
      changed[field] = value;
      previous[field] = last[field] ?? null;
    }
    if (Object.keys(changed).length)
      changes.push({ recordId: r.record_id, fields: changed, previous, retry: r.retry });
    else if (held) withheld++;
  }
  // Mirror: what this sync created and the model no longer holds goes away.
  const deletions =
    sync.mode === "mirror"
      ? (
          await db.query<{ record_id: string; destination_id: string; payload: FieldValues }>(
            `SELECT st.record_id, st.destination_id, st.payload FROM reverse.sync_state st
              WHERE st.sync = $1 AND st.created_by_sync AND st.destination_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM ${rel} m WHERE CAST(${key} AS text) = st.record_id)
              ORDER BY st.record_id`,
            [sync.name],
          )
        ).map((r) => ({ recordId: r.record_id, destinationId: r.destination_id, previous: r.payload }))
      : [];
  return {
    sync: sync.name,
    mode: sync.mode,
    destination: sync.destination,
    changes,
    deletions,
    withheld,
    unchanged: total - rows.length,
    total,
  };
}

async function isView(db: WarehouseSession, schema: string, name: string): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM information_schema.views WHERE table_schema = $1 AND table_name = $2`,
    [schema, name],
  );
  return r.length > 0;
}
