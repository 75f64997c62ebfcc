import type { RecordBatch } from "apache-arrow";
import type { ColumnType, RejectRecord, WarehouseSession } from "../warehouse/interfaces.js";

/**
 * What a source tells the loader about one stream (dlt's "resource"): where it lands, its key,
 * which field orders versions of a record (latest wins), and the types it knows for sure
 * (Salesforce describe, NetSuite's schema, a CSV pattern's column list).
 */
export interface StreamDescriptor {
  source: string;
  /** As the vendor names the object, lower-cased in table names (`Account` → `salesforce__account`). */
  stream: string;
  /** Staging key columns (snake_case names, after flattening). */
  primaryKey: string[];
  /** Staging column whose larger value wins when two versions of a record meet (e.g. system_modstamp). */
  versionColumn?: string;
  /** Known types for staging columns; unlisted columns are inferred from the JSON values. */
  columnTypes?: Record<string, ColumnType>;
  /** How deep nested objects are flattened into `a__b` columns before the rest is kept as jsonb. */
  flattenDepth?: number;
  description?: string;
  /**
   * Fetch and prepare the next batch while this one is written. For sources whose batches are
   * ready ahead anyway (the CSV worker parses one ahead): the loading thread's own work then
   * overlaps the server's. Not for API streams, where it would hold one more page in memory.
   */
  prepareAhead?: boolean;
}

/** Incremental position of a stream, as the source defines it (JSON-serialisable). */
export type Cursor = Record<string, unknown>;

/**
 * One page (or file chunk) of records from a source. `cursor`, when present, is the stream's
 * position *after* this batch: it commits in the same transaction as the batch's rows.
 */
export interface ExtractBatch {
  records: Record<string, unknown>[];
  /**
   * The same records column-major instead (`records` then empty): field names, and one array of
   * values per field, one value per row. The CSV worker sends these: arrays of strings cost far
   * less to pass between threads and to load than one object (and one Map) per row.
   */
  columns?: { names: string[]; values: unknown[][] };
  /** Where each record came from (`page 3`, `file.csv:17`), for rejects and lineage. */
  positions?: string[];
  /**
   * Each record's payload as JSON text, when the source serialised it already (the CSV worker
   * does, off the loading thread: the row as the file wrote it); by default the loader
   * serialises the record.
   */
  payloads?: string[];
  /** Records to tombstone in staging: primary-key values of deleted records. */
  deletes?: Record<string, unknown>[];
  cursor?: Cursor;
  /** Records the source itself rejected (bad CSV rows…): logged to trueup.rejects in the same transaction. */
  rejects?: RejectRecord[];
  /**
   * Extra bookkeeping of the source's own (e.g. a file marked loaded) that must commit with this
   * batch. `loaded` is what the loader made of the batch: records loaded (tombstones aside) and
   * records rejected, the source's own rejects included.
   */
  commit?: (tx: WarehouseSession, loaded: { rows: number; rejects: number }) => Promise<void>;
}

/** Owned by warehouse/ (a bulk load through a stage reports its rejects too); re-exported here for the loaders. */
export type { RejectRecord } from "../warehouse/interfaces.js";

/** A batch on its way to the warehouse: Arrow columns typed for staging, plus the raw payloads. */
export interface LoadBatch {
  arrow: RecordBatch;
  /** Logical type of every Arrow column, by name (Arrow types alone cannot say numeric vs text). */
  types: Record<string, ColumnType>;
}

export interface TypeIssue {
  column: string;
  expected: ColumnType;
  value: string;
  position?: string;
}

export interface StreamLoadResult {
  source: string;
  stream: string;
  rows: number;
  deletes: number;
  batches: number;
  rejects: number;
  addedColumns: string[];
  widenedColumns: string[];
  typeIssues: number;
  cursor?: Cursor;
}
