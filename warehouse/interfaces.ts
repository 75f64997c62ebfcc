import type { Kysely } from "kysely";

/**
 * The warehouse as every later stage sees it. One interface, one folder per implementation
 * (`postgres/`, later `snowflake/`), the same small set of files in each.
 */
export type Dialect = "postgres" | "snowflake";

/** Logical column types; each dialect maps them to its own (see `<dialect>/types.ts`). */
export type ColumnType =
  "text" | "bigint" | "numeric" | "double" | "boolean" | "timestamptz" | "date" | "jsonb";

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  /** Written as COMMENT ON COLUMN so BI tools show it. */
  description?: string;
}

/** A record that did not load, with where it came from and why (it goes to the rejects table). */
export interface RejectRecord {
  position: string;
  recordKey?: string;
  field?: string;
  reason: string;
  record?: unknown;
}

export interface TableRef {
  schema: string;
  name: string;
}

export interface ColumnInfo {
  name: string;
  type: ColumnType | "other";
  /** The database's own type name, for messages. */
  nativeType: string;
  nullable: boolean;
}

export interface EnsureTableOptions {
  primaryKey?: string[];
  description?: string;
  /** Create as UNLOGGED (scratch tables only). */
  unlogged?: boolean;
}

/** A value COPY can carry: JSON-able objects become json text, Dates ISO timestamps. */
export type CopyValue = string | number | bigint | boolean | Date | null | undefined | object;

/** Bytes already in the warehouse's COPY text format, with the number of rows they hold. */
export interface EncodedChunk {
  encoded: Uint8Array;
  rows: number;
}

/** What `copyIn` takes: rows to encode, or chunks already encoded. */
export type CopyChunk = readonly (readonly CopyValue[])[] | EncodedChunk;

/**
 * Operations that run on one connection: either the warehouse's pool (each call on its own
 * connection) or inside a transaction (all calls on the transaction's connection).
 */
export interface WarehouseSession {
  readonly dialect: Dialect;
  /** Typed query builder bound to this session. Tables are dynamic, so the schema type is open. */
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Raw SQL with positional parameters ($1…); returns rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Bulk load batches of rows (arrays aligned with `columns`), or chunks already encoded in the
   * warehouse's COPY text format; returns the row count.
   */
  copyIn(
    table: TableRef,
    columns: readonly string[],
    batches: AsyncIterable<CopyChunk> | Iterable<CopyChunk>,
  ): Promise<number>;
  ensureSchema(schema: string): Promise<void>;
  /**
   * Waits for an exclusive lock named `name`, held until the current transaction ends. Used to
   * serialise DDL that concurrent streams or workers would otherwise race on (CREATE SCHEMA).
   */
  lockForTransaction(name: string): Promise<void>;
  /** Creates the table if missing, then adds any missing columns; returns the columns it added. */
  ensureTable(
    table: TableRef,
    columns: readonly ColumnSpec[],
    options?: EnsureTableOptions,
  ): Promise<string[]>;
  ensureColumns(table: TableRef, columns: readonly ColumnSpec[]): Promise<string[]>;
  /**
   * Changes a column to a wider type in place, converting its values; absent where the warehouse
   * cannot (Snowflake changes only lengths and precision).
   */
  widenColumn?(table: TableRef, column: string, type: ColumnType): Promise<void>;
  tableExists(table: TableRef): Promise<boolean>;
  /** Columns in ordinal order, under their logical names; empty when the table does not exist. */
  columns(table: TableRef): Promise<ColumnInfo[]>;
  /** The identifier as the database stores it (long names shortened deterministically). */
  physicalName(name: string): string;
  /** Quoted, escaped identifier (one part). */
  quoteIdent(name: string): string;
  /** Quoted `schema.table`. */
  quoteTable(table: TableRef): string;
}

export interface Warehouse extends WarehouseSession {
  /** Connection string with the password masked, for messages and `--serve`. */
  readonly displayUrl: string;
  /** Runs `fn` in one transaction; a throw rolls everything back. */
  transaction<T>(fn: (tx: WarehouseSession) => Promise<T>): Promise<T>;
  /**
   * The activity labels (warehouse/activity.ts) starting with `prefix` of the transactions now
   * waiting for a lock, one entry per waiting connection; absent where the warehouse cannot tell.
   */
  lockWaiters?(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}
