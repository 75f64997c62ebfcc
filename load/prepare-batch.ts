import type { ColumnType, RejectRecord } from "../warehouse/interfaces.js";
import type { WarehouseLimits } from "../warehouse/limits.js";
import { toLoadBatch } from "./arrow.js";
import { flattenBatch, type Kept, type Pause } from "./flatten-batch.js";
import type { ExtractBatch, LoadBatch, StreamDescriptor, TypeIssue } from "./interfaces.js";
import { planColumns, type StagingColumns } from "./schema-evolution.js";
import { STAGING_META } from "./tables.js";
import { DOES_NOT_FIT, coerce, storableCopy, unstorableText } from "./types.js";

/**
 * Everything about a batch that needs no transaction (flattening, inference, the schema plan,
 * coercion, the Arrow batch), worked out against the staging columns in `basis`.
 */
export interface Prepared {
  basis: StagingColumns;
  rows: Kept;
  rejects: RejectRecord[];
  /**
   * Fields of loaded records that the warehouse could not take as columns (name too long, too
   * many columns, a row too big): their values are in the payload only. Written to
   * trueup.rejects beside the rejects so that it is never silent, but the records loaded.
   */
  notes: RejectRecord[];
  /**
   * The rejects and notes this loader made (not the source's own): the ones an API re-sending
   * the same version would repeat, looked up in trueup.rejects before they are written.
   */
  repeatable: RejectRecord[];
  /** Column types for this batch (declared, kept, widened or new). */
  target: Map<string, ColumnType>;
  widened: string[];
  /** Every staging column the batch writes: its own and the table's others (as NULL). */
  allColumns: Map<string, ColumnType>;
  load: LoadBatch;
  issues: TypeIssue[];
}

/**
 * Prepares a batch for the warehouse: flattened (flatten-batch.ts), its columns planned against
 * staging's (schema-evolution.ts), each value coerced to its column's type, each row kept within
 * the warehouse's row size, and the whole made one Arrow batch for raw and staging.
 */
export async function prepareBatch(
  desc: StreamDescriptor,
  batch: ExtractBatch,
  runId: string,
  basis: StagingColumns,
  canWiden: boolean,
  limits: WarehouseLimits,
  pause?: Pause,
): Promise<Prepared> {
  const loadedAt = new Date().toISOString();
  const { rows, rejects, notes, repeatable } = await flattenBatch(desc, batch, pause);
  const {
    target,
    widened,
    allColumns,
    notes: withoutColumn,
  } = planColumns(desc, rows, basis, canWiden, limits);
  notes.push(...withoutColumn);

  // 3. Values: a value that does not fit its column goes NULL there, stays in the payload, and is reported.
  const issues: TypeIssue[] = [];
  const columns: { name: string; type: ColumnType; values: unknown[] }[] = [];
  for (const [name, type] of allColumns) {
    if (pause) await pause();
    const given = rows.values.get(name);
    const values: unknown[] = new Array(rows.count);
    for (let i = 0; i < rows.count; i++) {
      const v = given?.[i];
      const c = coerce(v, type);
      if (c !== DOES_NOT_FIT) values[i] = c;
      else {
        issues.push({
          column: name,
          expected: type,
          value: String(JSON.stringify(v)).slice(0, 200),
          position: rows.positions[i],
        });
        values[i] = null;
      }
    }
    columns.push({ name, type, values });
  }
  notes.push(...fitRows(desc, rows, columns, runId, limits));
  columns.push(
    // Serialised once: the same text goes to raw and to staging (COPY parses jsonb from text).
    {
      name: "_trueup_payload",
      type: "jsonb",
      values: rows.payloadTexts.map((t, i) => t ?? JSON.stringify(rows.payloads[i])),
    },
    { name: "_trueup_deleted", type: "boolean", values: rows.deleted },
    { name: "_trueup_run_id", type: "text", values: new Array(rows.count).fill(runId) },
    { name: "_trueup_loaded_at", type: "timestamptz", values: new Array(rows.count).fill(loadedAt) },
    { name: "_trueup_position", type: "text", values: rows.positions.map((p) => p ?? null) },
    // Raw's own column (staging does not have it): raw is copied from the same batch.
    { name: "_trueup_source", type: "text", values: new Array(rows.count).fill(desc.source) },
  );
  if (pause) await pause();
  const load = toLoadBatch(columns);
  // The rejects table's copy of a record must be storable too, whatever it was rejected for.
  for (const r of rejects) {
    if (r.record !== undefined && unstorableText(r.record)) r.record = storableCopy(r.record);
    if (r.recordKey !== undefined) r.recordKey = storableCopy(r.recordKey) as string;
    if (r.field !== undefined) r.field = storableCopy(r.field) as string;
  }
  repeatable.push(...notes);
  return { basis, rows, rejects, notes, repeatable, target, widened, allColumns, load, issues };
}

/**
 * Keeps each row within the warehouse's row size (Postgres: 8160 bytes once long values have
 * moved out of line, so many short values can overflow a row of a wide table): estimated
 * conservatively, column by column with the key first; a value that would overflow goes NULL in
 * its column (it stays in the payload) and the row gets one note naming those fields.
 */
function fitRows(
  desc: StreamDescriptor,
  rows: Kept,
  columns: { name: string; type: ColumnType; values: unknown[] }[],
  runId: string,
  limits: WarehouseLimits,
): RejectRecord[] {
  const { maxRowBytes, outOfLineAbove = 0, outOfLineBytes = 0 } = limits;
  const n = columns.length + STAGING_META.length + 1;
  if (!maxRowBytes) return [];
  // Row header and null bitmap; the bookkeeping columns (payload out of line, run id, loaded
  // at, tombstone flag, position) and the merge's sequence number.
  const fixed = 24 + Math.ceil(n / 8) + 8 + (outOfLineBytes + 1) * 3 + Buffer.byteLength(runId) + 1 + 16 + 1;
  const worst = Math.max(outOfLineAbove + 1, 8 + 7);
  if (fixed + columns.length * worst <= maxRowBytes) return [];
  const budget = maxRowBytes - fixed;
  const used = new Float64Array(rows.count);
  const over: string[][] = [];
  const size = (v: unknown, type: ColumnType): number => {
    if (type === "boolean") return 1;
    if (type === "bigint" || type === "double" || type === "timestamptz") return 15; // 8, aligned
    if (type === "date") return 7;
    const s = String(v);
    if (s.length > outOfLineAbove) return outOfLineBytes;
    const b = Buffer.byteLength(s, "utf8") + 1;
    return b > outOfLineAbove ? outOfLineBytes : b;
  };
  const keyFirst = [...columns].sort(
    (a, b) => Number(desc.primaryKey.includes(b.name)) - Number(desc.primaryKey.includes(a.name)),
  );
  for (const col of keyFirst) {
    const isKey = desc.primaryKey.includes(col.name);
    for (let i = 0; i < rows.count; i++) {
      const v = col.values[i];
      if (v === null || v === undefined) continue;
      const s = size(v, col.type);
      if (isKey || used[i]! + s <= budget) used[i] = used[i]! + s;
      else {
        col.values[i] = null;
        (over[i] ??= []).push(col.name);
      }
    }
  }
  const notes: RejectRecord[] = [];
  over.forEach((fields, i) => {
    const key = desc.primaryKey.map((k) => String(rows.values.get(k)?.[i])).join("|");
    notes.push({
      position: rows.positions[i] ?? `${desc.stream} ${key}`,
      recordKey: key,
      field: fields[0],
      reason: `${fields.length} values of this record do not fit in one warehouse row (at most ${maxRowBytes} bytes once long values move out of line): NULL in their staging columns (${fields.slice(0, 10).join(", ")}${fields.length > 10 ? ", …" : ""}). The record loaded; every value is in _trueup_payload`,
    });
  });
  return notes;
}
