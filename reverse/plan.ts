import { isDeepStrictEqual } from "node:util";
import type { SyncConfig } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { sqlDialect } from "../models/dialects.js";
import { quoteIdentifier } from "../warehouse/identifiers.js";
import type { Dialect, WarehouseSession } from "../warehouse/interfaces.js";
import { fromVariant } from "../warehouse/snowflake/types.js";
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
  const key = `m.${db.quoteIdent(sync.matchKey.column)}`;
  const snowflake = db.dialect === "snowflake";
  // Snowflake's variant binds the sync's name once per `?` (see planSql).
  const rows = (
    await db.query<{
      record_id: string;
      payload: FieldValues | string;
      last: FieldValues | string | null;
      retry: boolean;
      total: string;
    }>(planSql(sync, db.dialect), snowflake ? [sync.name, sync.name] : [sync.name])
  ).map((r) => ({ ...r, payload: fromVariant(r.payload)!, last: fromVariant(r.last) }));
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
          await db.query<{ record_id: string; destination_id: string; payload: FieldValues | string }>(
            snowflake
              ? `SELECT st."record_id", st."destination_id", st."payload" FROM "reverse"."sync_state" st
                  WHERE st."sync" = $1 AND st."created_by_sync" AND st."destination_id" IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM ${rel} m WHERE CAST(${key} AS VARCHAR) = st."record_id")
                  ORDER BY st."record_id"`
              : `SELECT st.record_id, st.destination_id, st.payload FROM reverse.sync_state st
              WHERE st.sync = $1 AND st.created_by_sync AND st.destination_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM ${rel} m WHERE CAST(${key} AS text) = st.record_id)
              ORDER BY st.record_id`,
            [sync.name],
          )
        ).map((r) => ({
          recordId: r.record_id,
          destinationId: r.destination_id,
          previous: fromVariant(r.payload)!,
        }))
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

/**
 * The change-detection query of a sync (bind 1: the sync's name): the model's mapped values as
 * one JSON object per destination record, beside what this sync last delivered; only records
 * that differ, or failed before, come back.
 */
export function planSql(sync: SyncConfig, dialect: Dialect): string {
  const d = sqlDialect(dialect);
  const [schema, name] = sync.model.includes(".") ? sync.model.split(".", 2) : ["canonical", sync.model];
  const rel = `${quoteIdentifier(schema!)}.${quoteIdentifier(name!)}`;
  const obj = d.jsonObject(Object.entries(sync.mapping).map(([f, c]) => [f, `m.${quoteIdentifier(c)}`]));
  const key = d.cast(`m.${quoteIdentifier(sync.matchKey.column)}`, "text");
  const bind = dialect === "snowflake" ? "?" : "$1";
  // One row per key; a model with two rows for one record sends the first by key order.
  const src =
    dialect === "snowflake"
      ? // Through JSON text and back: a DATE or NUMBER inside the object becomes what the stored
        // snapshot holds (JSON strings and numbers), so an unchanged record compares equal.
        `SELECT ${key} AS record_id, PARSE_JSON(TO_JSON(${obj})) AS payload FROM ${rel} m WHERE ${key} IS NOT NULL
         QUALIFY ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${key}) = 1`
      : `SELECT DISTINCT ON (${key}) ${key} AS record_id, ${obj} AS payload
         FROM ${rel} m WHERE ${key} IS NOT NULL ORDER BY ${key}`;
  return `WITH src AS (
       ${src}
     ),
     st AS (SELECT record_id, payload FROM reverse.sync_state WHERE sync = ${bind}),
     f AS (SELECT record_id FROM reverse.failures WHERE sync = ${dialect === "snowflake" ? "?" : "$1"})
     SELECT s.record_id, s.payload, st.payload AS last, (f.record_id IS NOT NULL) AS retry,
            (SELECT count(*) FROM src) AS total
       FROM src s
       LEFT JOIN st ON st.record_id = s.record_id
       LEFT JOIN f ON f.record_id = s.record_id
      WHERE st.payload IS DISTINCT FROM s.payload OR f.record_id IS NOT NULL
      ORDER BY s.record_id`;
}

async function isView(db: WarehouseSession, schema: string, name: string): Promise<boolean> {
  // Snowflake keeps trueup's (quoted, case-ignored) names upper case in information_schema.
  const r = await db.query(
    db.dialect === "snowflake"
      ? `SELECT 1 AS ok FROM information_schema.views WHERE table_schema = UPPER($1) AND table_name = UPPER($2)`
      : `SELECT 1 FROM information_schema.views WHERE table_schema = $1 AND table_name = $2`,
    db.dialect === "snowflake" ? [db.physicalName(schema), db.physicalName(name)] : [schema, name],
  );
  return r.length > 0;
}
