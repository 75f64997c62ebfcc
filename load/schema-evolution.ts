import type { Logger } from "../core/log.js";
import type { ColumnType, RejectRecord, TableRef, WarehouseSession } from "../warehouse/interfaces.js";
import type { WarehouseLimits } from "../warehouse/limits.js";
import type { Kept } from "./flatten-batch.js";
import type { StreamDescriptor } from "./interfaces.js";
import { STAGING_META, stagingTable } from "./tables.js";
import { inferType, widen } from "./types.js";

/**
 * Schema evolution of a stream's staging table: the columns a batch needs (declared types win;
 * otherwise inferred from the values, an existing column widened where the warehouse can change
 * a column's type in place), the fields that cannot become columns, and the DDL that makes them.
 */

export const META_NAMES = new Set(STAGING_META.map((c) => c.name));

/** Staging's columns as `tx.columns` reports them (empty: no table yet). */
export type StagingColumns = ReadonlyMap<string, ColumnType | "other">;

export interface ColumnPlan {
  /** Column types for this batch (declared, kept, widened or new). */
  target: Map<string, ColumnType>;
  widened: string[];
  /** Every staging column the batch writes: its own and the table's others (as NULL). */
  allColumns: Map<string, ColumnType>;
  /** Fields that get no column (see `fieldsWithoutColumn`). */
  notes: RejectRecord[];
}

/**
 * Step 2 of a batch: its columns against staging's (`basis`). Where the warehouse cannot change a
 * column's type in place (`canWiden` false), a value that would widen its column goes NULL in it
 * and stays in the payload, reported.
 */
export function planColumns(
  desc: StreamDescriptor,
  rows: Kept,
  basis: StagingColumns,
  canWiden: boolean,
  limits: WarehouseLimits,
): ColumnPlan {
  const inferred = new Map<string, ColumnType | undefined>();
  const infer = (v: unknown, k: string) => {
    const t = inferType(v);
    const have = inferred.get(k);
    if (t !== have || !inferred.has(k)) inferred.set(k, widen(have, t));
  };
  for (const [name, values] of rows.values) for (const v of values) infer(v, name);
  const declared = desc.columnTypes ?? {};
  const target = new Map<string, ColumnType>();
  const widened: string[] = [];
  for (const [col, t] of inferred) {
    if (META_NAMES.has(col)) continue;
    const decl = declared[col];
    const have = basis.get(col);
    if (decl) target.set(col, have && have !== "other" ? have : decl);
    else if (!have) target.set(col, t ?? "text");
    else if (have === "other") target.set(col, "text");
    else {
      const w = canWiden ? (widen(have, t) ?? have) : have;
      if (w !== have) widened.push(col);
      target.set(col, w);
    }
  }
  for (const k of desc.primaryKey)
    if (!target.has(k)) target.set(k, declared[k] ?? (basis.get(k) as ColumnType) ?? "text");
  const notes = fieldsWithoutColumn(desc, rows, basis, target, limits);
  // Columns the table has that this batch did not mention still get written (as NULL) so the
  // merge replaces the whole row: a field that disappeared from a record is NULL now.
  const allColumns = new Map<string, ColumnType>(target);
  for (const [name, type] of basis) {
    if (!META_NAMES.has(name) && !allColumns.has(name))
      allColumns.set(name, type === "other" ? "text" : type);
  }
  return { target, widened, allColumns, notes };
}

/** The first row of a batch that has a value for `column`: where a note about it points. */
function firstWith(desc: StreamDescriptor, rows: Kept, column: string) {
  const values = rows.values.get(column) ?? [];
  const i = Math.max(
    0,
    values.findIndex((v) => v !== undefined),
  );
  const key = desc.primaryKey.map((k) => String(rows.values.get(k)?.[i])).join("|");
  return { position: rows.positions[i] ?? `${desc.stream} ${key}`, recordKey: key };
}

/**
 * New fields that cannot become staging columns, taken out of `target` (their values stay in
 * the payload): a name longer than the warehouse keeps (Postgres would cut it to 63 bytes,
 * where two long field paths can become one column), or past the table's column limit. The
 * limit counts the bookkeeping columns and the merge's own sequence column; key columns always
 * get theirs.
 */
function fieldsWithoutColumn(
  desc: StreamDescriptor,
  rows: Kept,
  basis: StagingColumns,
  target: Map<string, ColumnType>,
  limits: WarehouseLimits,
): RejectRecord[] {
  const notes: RejectRecord[] = [];
  const own = STAGING_META.length + 1;
  let room = limits.maxColumns - own;
  for (const name of basis.keys()) if (!META_NAMES.has(name)) room--;
  for (const k of desc.primaryKey) if (!basis.has(k)) room--;
  const table = `${stagingTable(desc.source, desc.stream).schema}.${stagingTable(desc.source, desc.stream).name}`;
  let fresh = [...target.keys()].filter((name) => !basis.has(name) && !desc.primaryKey.includes(name));
  if (fresh.length > room) {
    // Past the limit, fields that more records have get the columns left: one record with
    // thousands of keys does not take them from the fields every record has.
    const held = new Map<string, number>();
    for (const name of fresh)
      held.set(name, rows.values.get(name)?.filter((v) => v !== undefined).length ?? 0);
    fresh = fresh.sort((a, b) => held.get(b)! - held.get(a)!);
  }
  for (const name of fresh) {
    const bytes = Buffer.byteLength(name, "utf8");
    let why: string | undefined;
    if (bytes > limits.maxIdentifierBytes)
      why = `its column name is ${bytes} bytes, longer than the ${limits.maxIdentifierBytes} bytes the warehouse keeps in a column name (cut short, it could become another field's column)`;
    else if (room <= 0)
      why = `${table} is at the warehouse's limit of ${limits.maxColumns} columns (${own} of them trueup's own)`;
    else {
      room--;
      continue;
    }
    target.delete(name);
    notes.push({
      ...firstWith(desc, rows, name),
      field: name,
      reason: `field ${name} is not a column of ${table}: ${why}. The records loaded; the field's values are in _trueup_payload only`,
    });
  }
  return notes;
}

/**
 * The batch's schema changes, in its transaction: staging created with the batch's columns (and
 * its key), or the new columns added and the widened ones changed in place. Returns the columns
 * added.
 */
export async function evolveStaging(
  tx: WarehouseSession,
  desc: StreamDescriptor,
  existing: StagingColumns,
  plan: Pick<ColumnPlan, "target" | "widened">,
  log: Logger,
): Promise<string[]> {
  const staging = stagingTable(desc.source, desc.stream);
  const { target, widened } = plan;
  if (existing.size === 0) {
    const cols = [...target].map(([name, type]) => ({
      name,
      type,
      nullable: !desc.primaryKey.includes(name),
    }));
    await tx.ensureTable(staging, [...cols, ...STAGING_META], {
      primaryKey: desc.primaryKey,
      description: desc.description ?? `Current ${desc.source} ${desc.stream} records, one row per key.`,
    });
    return [];
  }
  const added = await tx.ensureColumns(
    staging,
    [...target].filter(([n]) => !existing.has(n)).map(([name, type]) => ({ name, type })),
  );
  for (const col of widened) {
    const type = target.get(col)!;
    await widenColumn(tx)(staging, col, type);
    log.warn({ column: col, from: existing.get(col), to: type }, "column type widened");
  }
  return added;
}

/** Whether the warehouse changes a column to a wider type in place (Snowflake changes only lengths). */
export function canWiden(session: WarehouseSession): boolean {
  return session.widenColumn !== undefined;
}

function widenColumn(tx: WarehouseSession): NonNullable<WarehouseSession["widenColumn"]> {
  if (!tx.widenColumn) throw new Error("widened a column on a warehouse that cannot (load bug)");
  return tx.widenColumn.bind(tx);
}

export function sameColumns(a: StagingColumns, b: StagingColumns): boolean {
  if (a.size !== b.size) return false;
  for (const [name, type] of a) if (b.get(name) !== type) return false;
  return true;
}

export async function stagingColumns(tx: WarehouseSession, staging: TableRef): Promise<StagingColumns> {
  return new Map((await tx.columns(staging)).map((c) => [c.name, c.type]));
}
