import { isDeepStrictEqual } from "node:util";
import type { Logger } from "../core/log.js";
import { logger as rootLogger } from "../core/log.js";
import type {
  ColumnType,
  CopyChunk,
  TableRef,
  Warehouse,
  WarehouseSession,
} from "../warehouse/interfaces.js";
import { copyTextOf } from "../warehouse/postgres/copy-encode.js";
import { WAREHOUSE_LIMITS, type WarehouseLimits } from "../warehouse/limits.js";
import { POSTGRES_TYPES } from "../warehouse/postgres/types.js";
import { SnowflakeSession } from "../warehouse/snowflake/session.js";
import { fromVariant } from "../warehouse/snowflake/types.js";
import {
  castFailures,
  createLandingTable,
  insertRaw,
  landingTable,
  mergeIntoStaging,
  type BatchLoad,
} from "../warehouse/snowflake/sql.js";
import { rowsOf, toLoadBatch } from "./arrow.js";
import type {
  ExtractBatch,
  LoadBatch,
  RejectRecord,
  StreamDescriptor,
  StreamLoadResult,
  TypeIssue,
} from "./interfaces.js";
import { flattenRecord, snakeCase } from "./naming.js";
import { refreshStream } from "./refresh.js";
import { insertReject, writeCursor } from "./state.js";
import { RAW_COLUMNS, STAGING_META, rawTable, stagingTable } from "./tables.js";
import { DOES_NOT_FIT, coerce, inferType, storableCopy, unstorableText, widen } from "./types.js";

export interface LoadStreamOptions {
  runId: string;
  /**
   * Replace the stream with a new reading from the start, atomically (load/refresh.ts): readers
   * and a crash see the old rows or the new, never a mix or nothing; raw keeps its history.
   */
  fullRefresh?: boolean;
  /** With `fullRefresh`: runs in the transaction that swaps the new rows in (the file ledger's reset). */
  onReplace?: (tx: WarehouseSession) => Promise<void>;
  log?: Logger;
  /** Called after each committed batch (progress display). */
  onBatch?: (progress: { rows: number; batches: number; cursor?: unknown }) => void;
}

const META_NAMES = new Set(STAGING_META.map((c) => c.name));

/**
 * Loads one stream: every batch lands in raw (append), merges into staging (one row per key,
 * latest version wins) and moves the cursor — all three in one transaction per batch, so a
 * crash anywhere re-reads from the last committed cursor and the merge absorbs the overlap.
 */
export async function loadStream(
  wh: Warehouse,
  desc: StreamDescriptor,
  batches: AsyncIterable<ExtractBatch>,
  options: LoadStreamOptions,
): Promise<StreamLoadResult> {
  if (options.fullRefresh)
    return refreshStream(wh, desc, batches, { ...options, fullRefresh: false }, loadInto);
  return loadInto(wh, desc, batches, options);
}

async function loadInto(
  wh: Warehouse,
  desc: StreamDescriptor,
  batches: AsyncIterable<ExtractBatch>,
  options: LoadStreamOptions,
): Promise<StreamLoadResult> {
  const log = (options.log ?? rootLogger()).child({ source: desc.source, stream: desc.stream });
  const raw = rawTable(desc.source, desc.stream);
  const staging = stagingTable(desc.source, desc.stream);
  const result: StreamLoadResult = {
    source: desc.source,
    stream: desc.stream,
    rows: 0,
    deletes: 0,
    batches: 0,
    rejects: 0,
    addedColumns: [],
    widenedColumns: [],
    typeIssues: 0,
  };

  // While staging is known to hold none of the stream's keys (a first load, a full refresh), each
  // batch is copied straight in without asking staging first; the first key met (a unique
  // violation, rolled back to a savepoint and merged) turns the question back on.
  const keys: KeyProbe = { ask: true };
  // Snowflake cannot change a column's type in place (only lengths and precision): there a value
  // that would widen its column goes NULL in it and stays in the payload, reported.
  const canWiden = wh.dialect === "postgres";
  const limits = WAREHOUSE_LIMITS[wh.dialect];
  let basis: StagingColumns = new Map();
  await wh.transaction(async (tx) => {
    await tx.lockForTransaction("ddl");
    await tx.ensureSchema("raw");
    await tx.ensureSchema("staging");
    await tx.ensureTable(raw, RAW_COLUMNS, {
      description: `Landed ${desc.source} ${desc.stream} records, append-only.`,
    });
    basis = await stagingColumns(tx, staging);
    keys.ask =
      basis.size > 0 && (await tx.query(`SELECT 1 FROM ${tx.quoteTable(staging)} LIMIT 1`)).length > 0;
  });

  // With `prepareAhead`, the next batch is fetched and prepared (flattened, coerced, made an
  // Arrow batch) while this one's COPY and commit wait on the server, against the columns this
  // batch's schema changes left; if staging turns out to have changed, it is prepared again.
  const iterator = batches[Symbol.asyncIterator]();
  const pause: Pause = () => new Promise((resolve) => setImmediate(resolve));
  const fetchNext = (against?: StagingColumns) => {
    const fetched = (async () => {
      const next = await iterator.next();
      if (next.done) return undefined;
      const ahead =
        against && (await prepareBatch(desc, next.value, options.runId, against, canWiden, limits, pause));
      return { batch: next.value, ahead };
    })();
    // Awaited once the current batch commits; a source failing before that is not "unhandled".
    fetched.catch(() => undefined);
    return fetched;
  };
  let pending: ReturnType<typeof fetchNext> | undefined = fetchNext(desc.prepareAhead ? basis : undefined);
  try {
    for (;;) {
      const next = await pending;
      pending = undefined;
      if (!next) break;
      const { batch, ahead } = next;
      const committed = await wh.transaction((tx) =>
        loadBatch(
          tx,
          desc,
          batch,
          ahead,
          options.runId,
          log,
          keys,
          desc.prepareAhead ? (columns) => (pending ??= fetchNext(columns)) : undefined,
        ),
      );
      pending ??= fetchNext();
      result.rows += committed.rows;
      result.deletes += committed.deletes;
      result.rejects += committed.rejects;
      result.typeIssues += committed.typeIssues;
      result.addedColumns.push(...committed.added);
      result.widenedColumns.push(...committed.widened);
      result.batches++;
      if (batch.cursor) result.cursor = batch.cursor;
      options.onBatch?.({ rows: result.rows, batches: result.batches, cursor: batch.cursor });
    }
  } finally {
    // A batch that failed ends the loop: the batch read ahead is dropped and the source closed
    // (files, sockets, workers), as `for await` would.
    await pending?.catch(() => undefined);
    await iterator.return?.();
  }
  return result;
}

/** Whether to ask staging for a batch's keys before copying it straight in (see loadStream). */
interface KeyProbe {
  ask: boolean;
}

/**
 * True when no two rows of the batch share a key and (when `probe.ask`) staging holds none of
 * them (single-column keys; composite keys always merge). One index probe per key, in one
 * statement: about a twentieth of a first load's time, which is why it is skipped while
 * staging is known to be free of the stream's keys.
 */
async function allKeysNew(
  tx: WarehouseSession,
  staging: { schema: string; name: string },
  primaryKey: readonly string[],
  types: ReadonlyMap<string, ColumnType>,
  rows: Kept,
  probe: KeyProbe,
): Promise<boolean> {
  if (primaryKey.length !== 1) return false;
  const key = primaryKey[0]!;
  const values = rows.values.get(key);
  const keys = new Set<string>();
  for (let i = 0; i < rows.count; i++) {
    if (rows.deleted[i]) return false; // a tombstone keeps the last known values: that needs the merge
    const k = String(values?.[i]);
    if (keys.has(k)) return false;
    keys.add(k);
  }
  if (!probe.ask) return true;
  // Compared in the key column's own type, so the primary key index answers.
  const type = POSTGRES_TYPES[types.get(key) ?? "text"];
  const hit = await tx.query(
    `SELECT 1 FROM ${tx.quoteTable(staging)} WHERE ${tx.quoteIdent(key)} = ANY(CAST($1 AS ${type}[])) LIMIT 1`,
    [[...keys]],
  );
  return hit.length === 0;
}

/**
 * A batch's columns for `copyIn`: on Postgres, COPY text made straight from the Arrow buffers;
 * elsewhere, rows for the warehouse's own bulk path to encode.
 */
function copyChunks(tx: WarehouseSession, load: LoadBatch, columns: readonly string[]): Iterable<CopyChunk> {
  return tx.dialect === "postgres" ? copyTextOf(load.arrow, columns) : rowsOf(load, columns);
}

interface BatchOutcome {
  rows: number;
  deletes: number;
  rejects: number;
  typeIssues: number;
  added: string[];
  widened: string[];
}

/**
 * The batch's rows that have their key, column-major: each flattened field's values (aligned;
 * `undefined` where a row lacks the field), with each row's position, payload and tombstone flag.
 */
interface Kept {
  count: number;
  values: Map<string, unknown[]>;
  positions: (string | undefined)[];
  /** The payload's JSON text, when the source serialised it (else `payloads` holds the record). */
  payloadTexts: (string | undefined)[];
  payloads: (Record<string, unknown> | undefined)[];
  deleted: boolean[];
}

/** Staging's columns as `tx.columns` reports them (empty: no table yet). */
type StagingColumns = ReadonlyMap<string, ColumnType | "other">;

/**
 * Everything about a batch that needs no transaction (flattening, inference, the schema plan,
 * coercion, the Arrow batch), worked out against the staging columns in `basis`.
 */
interface Prepared {
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

/** Lets a batch prepared ahead give the event loop back now and then (see loadStream). */
type Pause = () => Promise<void>;
const PAUSE_EVERY = 2_000;

async function prepareBatch(
  desc: StreamDescriptor,
  batch: ExtractBatch,
  runId: string,
  basis: StagingColumns,
  canWiden: boolean,
  limits: WarehouseLimits,
  pause?: Pause,
): Promise<Prepared> {
  const rejects: RejectRecord[] = [...(batch.rejects ?? [])];
  const notes: RejectRecord[] = [];
  const repeatable: RejectRecord[] = [];
  const loadedAt = new Date().toISOString();

  // 1. Flatten; a record without its key cannot be merged: it is rejected, not guessed.
  const rows: Kept = {
    count: 0,
    values: new Map(),
    positions: [],
    payloadTexts: [],
    payloads: [],
    deleted: [],
  };
  const column = (name: string) => {
    let values = rows.values.get(name);
    if (!values) rows.values.set(name, (values = []));
    return values;
  };
  const keep = (
    position: string | undefined,
    deleted: boolean,
    payloadText?: string,
    payload?: Record<string, unknown>,
  ) => {
    rows.positions.push(position);
    rows.payloadTexts.push(payloadText);
    rows.payloads.push(payload);
    rows.deleted.push(deleted);
    return rows.count++;
  };
  const missingKey = (get: (k: string) => unknown) =>
    desc.primaryKey.find((k) => {
      const v = get(k);
      return v === null || v === undefined || v === "";
    });
  const keyOf = (get: (k: string) => unknown) => desc.primaryKey.map((k) => String(get(k))).join("|");
  // Text a warehouse cannot store (NUL, lone surrogates) would fail the whole batch's COPY, and
  // changing it would load a value the source never had: the record is rejected, as it is.
  const unstorable = (
    bad: { field: string; reason: string },
    position: string | undefined,
    recordKey: string,
    record: unknown,
  ) => {
    const r: RejectRecord = {
      position: position ?? `${desc.stream} ${recordKey}`,
      recordKey,
      field: bad.field,
      reason: `${bad.field} holds ${bad.reason}, which the warehouse cannot store; the record is not loaded (in this reject's copy of it, the character is written as its \\u escape)`,
      record,
    };
    rejects.push(r);
    repeatable.push(r);
  };
  // Fields that share a column within one record: one note per column and batch.
  const collisions = new Map<
    string,
    { field: string; position?: string; record?: Record<string, unknown> }
  >();
  let current: { position?: string; record: Record<string, unknown> } | undefined;
  const collided = (column: string, field: string) => {
    if (!collisions.has(column) && current) collisions.set(column, { field, ...current });
  };
  const take = async (
    records: Record<string, unknown>[],
    deleted: boolean,
    positions?: string[],
    payloads?: string[],
  ) => {
    for (let i = 0; i < records.length; i++) {
      if (pause && i % PAUSE_EVERY === PAUSE_EVERY - 1) await pause();
      const record = records[i]!;
      current = { position: positions?.[i], record };
      const flat = flattenRecord(record, desc.flattenDepth ?? 2, collided);
      const position = positions?.[i];
      const missing = missingKey((k) => flat.get(k));
      if (missing) {
        rejects.push({
          position: position ?? "?",
          field: missing,
          reason: `missing primary key field ${missing}`,
          record,
        });
        continue;
      }
      // Serialised here, not later: JSON.stringify writes NUL and lone surrogates as `\u` escapes,
      // so one search of the text the payload needs anyway finds the rare record to look into.
      const text = payloads?.[i] ?? JSON.stringify(record);
      const bad = text.includes("\\u") ? unstorableText(record) : undefined;
      if (bad) {
        unstorable(
          bad,
          position,
          keyOf((k) => flat.get(k)),
          record,
        );
        continue;
      }
      const row = keep(position, deleted, text, record);
      flat.forEach((v, k) => (column(k)[row] = v));
    }
  };
  if (batch.columns) await takeColumns(batch.columns);
  else await take(batch.records, false, batch.positions, batch.payloads);
  await take(batch.deletes ?? [], true);
  for (const values of rows.values.values()) values.length = rows.count; // fields absent at the end
  for (const [column, c] of collisions) {
    const flat = c.record && flattenRecord(c.record, desc.flattenDepth ?? 2);
    const key = flat && desc.primaryKey.map((k) => String(flat.get(k))).join("|");
    notes.push({
      position: c.position ?? `${desc.stream} ${key}`,
      recordKey: key,
      field: c.field,
      reason: `field ${c.field} and another field of the same record both map to column ${column}: the column holds the later one's value; both are in _trueup_payload`,
    });
  }

  /**
   * Column-major records (the CSV worker's): no object or Map per row. Names map to columns as
   * `flattenRecord` maps a record's keys (a later field of the same column wins, as in a record).
   */
  async function takeColumns(cols: NonNullable<ExtractBatch["columns"]>) {
    const n = batch.positions?.length ?? cols.values[0]?.length ?? 0;
    const byName = new Map<string, unknown[]>();
    const first = new Map<string, string>();
    cols.names.forEach((name, c) => {
      const col = snakeCase(name);
      if (first.has(col) && first.get(col) !== name && !collisions.has(col))
        collisions.set(col, { field: name, position: batch.positions?.[0] });
      first.set(col, name);
      byName.set(col, cols.values[c]!);
    });
    const key = desc.primaryKey.map((k) => byName.get(k));
    const good: number[] = [];
    const recordAt = (i: number) => {
      const text = batch.payloads?.[i];
      return text
        ? (JSON.parse(text) as unknown)
        : Object.fromEntries(cols.names.map((c, j) => [c, cols.values[j]![i]]));
    };
    // A field name (a CSV header) that cannot be stored rejects every row that has it.
    let badName: { field: string; reason: string } | undefined;
    for (const name of cols.names) {
      const inName = unstorableText(name);
      if (inName)
        badName ??= { field: storableCopy(name) as string, reason: `its name holds ${inName.reason}` };
    }
    for (let i = 0; i < n; i++) {
      const missing = missingKey((k) => key[desc.primaryKey.indexOf(k)]?.[i]);
      if (!missing) {
        const text = batch.payloads?.[i];
        let bad = badName;
        if (!bad && (text === undefined || text.includes("\\u")))
          for (let c = 0; c < cols.names.length && !bad; c++)
            bad = unstorableText(cols.values[c]![i], cols.names[c]);
        if (!bad) {
          good.push(i);
          continue;
        }
        const recordKey = keyOf((k) => key[desc.primaryKey.indexOf(k)]?.[i]);
        unstorable(bad, batch.positions?.[i], recordKey, recordAt(i));
        continue;
      }
      rejects.push({
        position: batch.positions?.[i] ?? "?",
        field: missing,
        reason: `missing primary key field ${missing}`,
        record: recordAt(i),
      });
    }
    const all = good.length === n;
    for (const i of good) keep(batch.positions?.[i], false, batch.payloads?.[i]);
    if (pause) await pause();
    for (const [name, values] of byName) {
      const out = column(name);
      if (all && out.length === 0) rows.values.set(name, values);
      else for (const i of good) out.push(values[i]);
    }
  }

  // 2. Schema: declared types win; otherwise infer, and widen an existing column when needed.
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
  notes.push(...fieldsWithoutColumn(desc, rows, basis, target, limits));
  // Columns the table has that this batch did not mention still get written (as NULL) so the
  // merge replaces the whole row: a field that disappeared from a record is NULL now.
  const allColumns = new Map<string, ColumnType>(target);
  for (const [name, type] of basis) {
    if (!META_NAMES.has(name) && !allColumns.has(name))
      allColumns.set(name, type === "other" ? "text" : type);
  }

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

function sameColumns(a: StagingColumns, b: StagingColumns): boolean {
  if (a.size !== b.size) return false;
  for (const [name, type] of a) if (b.get(name) !== type) return false;
  return true;
}

async function stagingColumns(tx: WarehouseSession, staging: TableRef): Promise<StagingColumns> {
  return new Map((await tx.columns(staging)).map((c) => [c.name, c.type]));
}

async function loadBatch(
  tx: WarehouseSession,
  desc: StreamDescriptor,
  batch: ExtractBatch,
  ahead: Prepared | undefined,
  runId: string,
  log: Logger,
  probe: KeyProbe,
  /** Called once this batch's schema changes are made: the next batch may be prepared against them. */
  onSchemaSettled?: (columns: StagingColumns) => void,
): Promise<BatchOutcome> {
  const staging = stagingTable(desc.source, desc.stream);

  // A batch prepared ahead is used if staging still has the columns it was prepared against.
  const existing = await stagingColumns(tx, staging);
  const prepared =
    ahead && sameColumns(ahead.basis, existing)
      ? ahead
      : await prepareBatch(
          desc,
          batch,
          runId,
          existing,
          tx.dialect === "postgres",
          WAREHOUSE_LIMITS[tx.dialect],
        );
  const { rows, rejects, notes, target, widened, allColumns, issues } = prepared;

  let added: string[] = [];
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
  } else {
    added = await tx.ensureColumns(
      staging,
      [...target].filter(([n]) => !existing.has(n)).map(([name, type]) => ({ name, type })),
    );
    for (const col of widened) {
      const type = target.get(col)!;
      const using =
        type === "jsonb"
          ? `to_jsonb(${tx.quoteIdent(col)})`
          : `${tx.quoteIdent(col)}::${POSTGRES_TYPES[type]}`;
      await tx.query(
        `ALTER TABLE ${tx.quoteTable(staging)} ALTER COLUMN ${tx.quoteIdent(col)} TYPE ${POSTGRES_TYPES[type]} USING ${using}`,
      );
      log.warn({ column: col, from: existing.get(col), to: type }, "column type widened");
    }
  }
  if (onSchemaSettled) {
    const changed = existing.size === 0 || added.length > 0 || widened.length > 0;
    onSchemaSettled(changed ? await stagingColumns(tx, staging) : existing);
  }
  const names = [...allColumns.keys()];
  if (notes.length) {
    log.warn(
      {
        notes: notes.slice(0, 5).map((n) => ({ field: n.field, at: n.position, reason: n.reason })),
        count: notes.length,
      },
      "fields the warehouse cannot hold as columns were kept in the payload only (listed in trueup.rejects)",
    );
  }
  if (issues.length) {
    log.warn(
      { issues: issues.slice(0, 5), count: issues.length },
      "values that do not fit their column type were kept in the payload only",
    );
  }

  const copyCols = [...names, ...STAGING_META.map((c) => c.name)];
  // Rows the warehouse itself refused (Snowflake's COPY reports them; Postgres's fails whole).
  const { rejects: refused, typeIssues: warehouseIssues } =
    tx instanceof SnowflakeSession
      ? await loadSnowflake(tx, desc, prepared, copyCols, log)
      : (await loadPostgres(tx, desc, prepared, copyCols, probe), { rejects: [], typeIssues: 0 });

  // 6. Rejects and the cursor, in the same transaction as the rows.
  const seen = await reportedBefore(tx, desc, prepared.repeatable);
  const fresh = rejects.filter((r) => !seen.has(r));
  const newNotes = notes.filter((r) => !seen.has(r));
  for (const r of [...fresh, ...refused, ...newNotes])
    await insertReject(tx, runId, desc.source, desc.stream, r);
  if (batch.cursor) await writeCursor(tx, desc.source, desc.stream, batch.cursor, runId);
  const loaded = rows.deleted.filter((d) => !d).length - refused.length;
  await batch.commit?.(tx, { rows: loaded, rejects: fresh.length + refused.length });
  return {
    rows: loaded,
    deletes: rows.deleted.filter((d) => d).length,
    rejects: fresh.length + refused.length,
    typeIssues: issues.length + warehouseIssues + newNotes.length,
    added,
    widened,
  };
}

/**
 * Rejects and notes already in trueup.rejects: the same version of a record rejected for the
 * same reason (an API read again from a look-back window re-sends it), or the same field of the
 * same record noted again. They are not written or counted twice, so a run that meets nothing
 * new reports nothing.
 */
async function reportedBefore(
  tx: WarehouseSession,
  desc: StreamDescriptor,
  items: readonly RejectRecord[],
): Promise<Set<RejectRecord>> {
  const seen = new Set<RejectRecord>();
  const keyed = items.filter((r) => r.recordKey !== undefined);
  for (let start = 0; start < keyed.length; start += 500) {
    const chunk = keyed.slice(start, start + 500);
    const keys = [...new Set(chunk.map((r) => r.recordKey!))];
    const found = await tx.query<{
      record_key: string;
      field: string | null;
      reason: string;
      record: unknown;
    }>(
      `SELECT record_key, field, reason, record FROM trueup.rejects
        WHERE source = $1 AND stream = $2 AND record_key IN (${keys.map((_, i) => `$${i + 3}`).join(", ")})`,
      [desc.source, desc.stream, ...keys],
    );
    for (const r of chunk) {
      const same = found.some(
        (f) =>
          f.record_key === r.recordKey &&
          f.field === (r.field ?? null) &&
          f.reason === r.reason &&
          isDeepStrictEqual(fromVariant(f.record as object | string | null), r.record ?? null),
      );
      if (same) seen.add(r);
    }
  }
  return seen;
}

/** Steps 4 and 5 on Postgres: COPY into raw, then staging straight or through a merge. */
async function loadPostgres(
  tx: WarehouseSession,
  desc: StreamDescriptor,
  prepared: Prepared,
  copyCols: readonly string[],
  probe: KeyProbe,
): Promise<void> {
  const { rows, allColumns, load } = prepared;
  const raw = rawTable(desc.source, desc.stream);
  const staging = stagingTable(desc.source, desc.stream);
  // 4. Raw: append-only, untouched payload.
  if (rows.count) {
    const rawCols = RAW_COLUMNS.map((c) => c.name);
    await tx.copyIn(raw, rawCols, copyChunks(tx, load, rawCols));
  }

  // 5. Staging. Fast path: when every key of the batch is new (a first load, a file of new
  // invoices) the rows are copied straight into staging — no temp table, no sort, no merge.
  // Otherwise (and if the straight copy meets a key after all): COPY into a temp table shaped
  // like staging, then one merge statement.
  let merged = false;
  if (rows.count && (await allKeysNew(tx, staging, desc.primaryKey, allColumns, rows, probe))) {
    await tx.query(`SAVEPOINT trueup_direct`);
    try {
      await tx.copyIn(staging, copyCols, copyChunks(tx, load, copyCols));
      await tx.query(`RELEASE SAVEPOINT trueup_direct`);
      merged = true;
    } catch (err) {
      // Only a key met after all falls back: staging had it (not asked first), or a concurrent load.
      if ((err as { code?: string }).code !== "23505") throw err;
      await tx.query(`ROLLBACK TO SAVEPOINT trueup_direct`);
      probe.ask = true;
    }
  }
  if (rows.count && !merged) {
    const tmp = `_trueup_batch_${Math.random().toString(36).slice(2, 10)}`;
    await tx.query(
      `CREATE TEMP TABLE ${tx.quoteIdent(tmp)} (LIKE ${tx.quoteTable(staging)} INCLUDING DEFAULTS, _trueup_seq bigserial) ON COMMIT DROP`,
    );
    await tx.copyIn({ schema: "pg_temp", name: tmp }, copyCols, copyChunks(tx, load, copyCols));
    const q = (c: string) => tx.quoteIdent(c);
    const pk = desc.primaryKey.map(q).join(", ");
    const version =
      desc.versionColumn && allColumns.has(desc.versionColumn) ? q(desc.versionColumn) : undefined;
    const order = `${pk}, ${version ? `${version} DESC NULLS LAST, ` : ""}_trueup_seq DESC`;
    const live = copyCols.filter((c) => !desc.primaryKey.includes(c));
    // A tombstone may carry only the key (Stripe's `*.deleted`): it marks the row deleted and
    // keeps the last known values; whatever it does carry overrides them.
    const setList = live
      .map((c) => {
        if (
          c === "_trueup_deleted" ||
          c === "_trueup_run_id" ||
          c === "_trueup_loaded_at" ||
          c === "_trueup_position"
        ) {
          return `${q(c)} = EXCLUDED.${q(c)}`;
        }
        if (c === "_trueup_payload") {
          return `${q(c)} = CASE WHEN EXCLUDED._trueup_deleted THEN COALESCE(t.${q(c)}, '{}'::jsonb) || EXCLUDED.${q(c)} ELSE EXCLUDED.${q(c)} END`;
        }
        return `${q(c)} = CASE WHEN EXCLUDED._trueup_deleted THEN COALESCE(EXCLUDED.${q(c)}, t.${q(c)}) ELSE EXCLUDED.${q(c)} END`;
      })
      .join(", ");
    const newer = version
      ? `WHERE t.${version} IS NULL OR EXCLUDED.${version} IS NULL OR EXCLUDED.${version} >= t.${version}`
      : "";
    await tx.query(
      `INSERT INTO ${tx.quoteTable(staging)} AS t (${copyCols.map(q).join(", ")})
       SELECT DISTINCT ON (${pk}) ${copyCols.map(q).join(", ")} FROM ${q(tmp)} ORDER BY ${order}
       ON CONFLICT (${pk}) DO UPDATE SET ${setList} ${newer}`,
    );
  }
}

/**
 * Steps 4 and 5 on Snowflake. Before the transaction's first write: the batch's landing table
 * (DDL) and its stage files (PUT), since either would commit an open transaction. Then, in it:
 * one COPY INTO the landing table, raw appended from it, one MERGE into staging (sql.ts). Rows
 * the COPY refuses come back as rejects at their own positions; values Snowflake cannot take in
 * their column's type go NULL there, stay in the payload and count as type issues.
 */
async function loadSnowflake(
  tx: SnowflakeSession,
  desc: StreamDescriptor,
  prepared: Prepared,
  copyCols: readonly string[],
  log: Logger,
): Promise<{ rejects: RejectRecord[]; typeIssues: number }> {
  const { rows, allColumns, load } = prepared;
  if (!rows.count) return { rejects: [], typeIssues: 0 };
  const metaTypes = new Map(STAGING_META.map((c) => [c.name, c.type]));
  const plan: BatchLoad = {
    raw: physical(tx, rawTable(desc.source, desc.stream)),
    staging: physical(tx, stagingTable(desc.source, desc.stream)),
    source: desc.source,
    columns: copyCols.map((name) => ({
      name: tx.physicalName(name),
      type: allColumns.get(name) ?? metaTypes.get(name) ?? "text",
    })),
    primaryKey: desc.primaryKey.map((k) => tx.physicalName(k)),
    versionColumn:
      desc.versionColumn && allColumns.has(desc.versionColumn)
        ? tx.physicalName(desc.versionColumn)
        : undefined,
  };
  await tx.query(createLandingTable(plan));
  // `_trueup_seq`: the order rows arrived in, the merge's tie-break after the version column.
  let seq = 0;
  const withSeq = [...rowsOf(load, copyCols)].map((chunk) => chunk.map((r) => [...r, seq++]));
  const staged = await tx.stage(
    landingTable(plan.staging),
    [...copyCols, "_trueup_seq"],
    withSeq,
    plan.staging,
  );
  const { rejects } = await tx.copyStaged(staged, rows.positions);
  const check = castFailures(plan);
  const failures = check ? await tx.query<{ column: string; n: unknown; first_position: string }>(check) : [];
  if (failures.length)
    log.warn(
      { issues: failures.map((f) => ({ column: f.column, count: Number(f.n), first: f.first_position })) },
      "values Snowflake cannot take in their column type were kept in the payload only",
    );
  await tx.query(insertRaw(plan, RAW_COLUMNS));
  await tx.query(mergeIntoStaging(plan));
  return { rejects, typeIssues: failures.reduce((n, f) => n + Number(f.n), 0) };
}

function physical(tx: WarehouseSession, t: TableRef): TableRef {
  return { schema: tx.physicalName(t.schema), name: tx.physicalName(t.name) };
}
