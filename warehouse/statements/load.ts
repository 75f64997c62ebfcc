import type { RecordBatch } from "apache-arrow";
import type {
  ColumnSpec,
  ColumnType,
  CopyChunk,
  CopyValue,
  RejectRecord,
  TableRef,
  WarehouseSession,
} from "../interfaces.js";
import type { WarehouseLimits } from "../limits.js";
import { postgresLoadStatements } from "../postgres/load-statements.js";
import { snowflakeLoadStatements } from "../snowflake/load-statements.js";

export { fromVariant as jsonColumnValue } from "../snowflake/types.js";

/**
 * The statements of a stream load (raw append, staging merge, cursor, rejects) whose text or
 * behaviour differs between warehouses, one operation per function. The loader calls them
 * without knowing which warehouse it is on; each warehouse implements them in its own folder
 * (`postgres/load-statements.ts`, `snowflake/load-statements.ts`).
 */
export interface LoadStatements {
  /** What one table can hold (columns, name length, row size), for the loader to keep within. */
  readonly limits: WarehouseLimits;
  /** The stream's cursor (as JSON), in the transaction of the rows it covers. */
  saveCursor(db: WarehouseSession, row: CursorRow): Promise<void>;
  /** One rejected record into trueup.rejects; its reason arrives redacted. */
  recordReject(db: WarehouseSession, row: RejectRow): Promise<void>;
  /** How a batch's rows reach raw and staging on this warehouse (see {@link BulkRoute}). */
  readonly route: BulkRoute;
}

export interface CursorRow {
  source: string;
  stream: string;
  cursor: unknown;
  runId: string;
}

export interface RejectRow {
  runId: string;
  source: string;
  stream: string;
  reject: RejectRecord;
}

/**
 * The two ways a batch reaches the warehouse: rows sent by the client in the warehouse's COPY
 * format (`copy`), or rows written to files that the warehouse loads from a stage (`stage`).
 */
export type BulkRoute = CopyRoute | StageRoute;

/** The columns one merge into staging writes, under their logical names. */
export interface MergePlan {
  staging: TableRef;
  /** Every column the batch writes, bookkeeping included, in the batch table's order. */
  columns: readonly string[];
  primaryKey: readonly string[];
  /** The column whose larger value wins when two versions of a record meet, when staging has it. */
  versionColumn?: string;
}

/** Rows COPYed from the client: straight into raw and staging, or into a batch table and merged. */
export interface CopyRoute {
  readonly kind: "copy";
  /** An Arrow batch's columns as `copyIn` takes them fastest. */
  encode(batch: RecordBatch, columns: readonly string[]): Iterable<CopyChunk>;
  /** Whether staging holds any of `values` in its single key column (an index probe, in the key's type). */
  anyKeyIn(
    db: WarehouseSession,
    staging: TableRef,
    key: string,
    type: ColumnType,
    values: string[],
  ): Promise<boolean>;
  /**
   * Runs `copy` (rows straight into staging) so that a key staging holds already undoes it
   * alone: false then, and the rest of the transaction goes on (the batch is merged instead).
   */
  unlessKeyExists(db: WarehouseSession, copy: () => Promise<unknown>): Promise<boolean>;
  /** A scratch table shaped like staging, plus `_trueup_seq` (arrival order); gone at commit. */
  createBatchTable(db: WarehouseSession, staging: TableRef): Promise<TableRef>;
  /**
   * One row per key from the batch table into staging, latest version wins (the version column,
   * then arrival order); a tombstone marks the row deleted and keeps the values it does not carry.
   */
  mergeBatchTable(db: WarehouseSession, batch: TableRef, plan: MergePlan): Promise<void>;
}

/** A batch's load through a landing table, under physical names (see the stage route's statements). */
export interface LandingPlan {
  raw: TableRef;
  staging: TableRef;
  /** The source system, written to raw's `_trueup_source`. */
  source: string;
  /** Staging's columns in the files' order. */
  columns: readonly ColumnSpec[];
  primaryKey: readonly string[];
  versionColumn?: string;
}

/** Values the warehouse could not take in their column's type: per column, how many and the first. */
export interface CastFailure {
  column: string;
  n: unknown;
  first_position: string;
}

/**
 * Rows written to files and loaded from a stage into a landing table (every column text, plus
 * `_trueup_seq`), then appended to raw and merged into staging from there. The landing table and
 * the files come before the transaction's first write (DDL and file uploads would commit it).
 */
export interface StageRoute {
  readonly kind: "stage";
  /** The batch's landing table, replaced; before the transaction's first write. */
  createLandingTable(plan: LandingPlan): Promise<void>;
  /**
   * The rows (staging's columns in order, then `_trueup_seq`) staged and copied into the
   * landing table; rows the warehouse refused come back as rejects at their own positions.
   */
  land(
    plan: LandingPlan,
    columns: readonly string[],
    rows: Iterable<readonly (readonly CopyValue[])[]>,
    positions: readonly (string | undefined)[],
  ): Promise<RejectRecord[]>;
  /** Landed values that do not convert to their column's type. */
  castFailures(plan: LandingPlan): Promise<CastFailure[]>;
  /** Raw's append from the landing table, in arrival order. */
  appendRaw(plan: LandingPlan, rawColumns: readonly ColumnSpec[]): Promise<void>;
  /** One row per key from the landing table into staging (as {@link CopyRoute.mergeBatchTable}). */
  mergeLanding(plan: LandingPlan): Promise<void>;
}

/** The load statements for the warehouse a session is on: the one place that asks which. */
export function loadStatements(session: WarehouseSession): LoadStatements {
  return session.dialect === "snowflake" ? snowflakeLoadStatements(session) : postgresLoadStatements;
}
