import { isDeepStrictEqual } from "node:util";
import type { SyncConfig } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { sqlDialect } from "../models/dialects.js";
import { quoteIdentifier } from "../warehouse/identifiers.js";
import type { Dialect, WarehouseSession } from "../warehouse/interfaces.js";
import { fromJsonRead, reverseStatements, type ChangeDetection } from "../warehouse/statements/reverse.js";
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
  const statements = reverseStatements(db);
  if (
    !(await db.tableExists({ schema: schema!, name: name! })) &&
    !(await statements.viewExists(db, schema!, name!))
  ) {
    throw new ConfigError(
      `sync ${sync.name}: its model ${sync.model} does not exist; build it first (trueup build)`,
    );
  }
  const key = `m.${db.quoteIdent(sync.matchKey.column)}`;
  const rows = (await statements.detectChanges(db, changeDetection(sync, db.dialect), sync.name)).map(
    (r) => ({
      ...r,
      payload: fromJsonRead(r.payload)! as FieldValues,
      last: fromJsonRead(r.last) as FieldValues | null,
    }),
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
      ? (await statements.createdAndGone(db, { relation: rel, key }, sync.name)).map((r) => ({
          recordId: r.record_id,
          destinationId: r.destination_id,
          previous: fromJsonRead(r.payload)! as FieldValues,
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
 * The change-detection query of a sync (bind: the sync's name): the model's mapped values as one
 * JSON object per destination record, beside what this sync last delivered; only records that
 * differ, or failed before, come back.
 */
export function planSql(sync: SyncConfig, dialect: Dialect): string {
  return reverseStatements({ dialect }).changeDetectionSql(changeDetection(sync, dialect));
}

/** The model's relation, match key (as text) and mapped values (as one JSON object), in SQL. */
function changeDetection(sync: SyncConfig, dialect: Dialect): ChangeDetection {
  const d = sqlDialect(dialect);
  const [schema, name] = sync.model.includes(".") ? sync.model.split(".", 2) : ["canonical", sync.model];
  return {
    relation: `${quoteIdentifier(schema!)}.${quoteIdentifier(name!)}`,
    key: d.cast(`m.${quoteIdentifier(sync.matchKey.column)}`, "text"),
    payload: d.jsonObject(Object.entries(sync.mapping).map(([f, c]) => [f, `m.${quoteIdentifier(c)}`])),
  };
}
