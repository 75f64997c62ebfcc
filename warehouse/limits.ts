import type { Dialect } from "./interfaces.js";

/**
 * What one warehouse table can hold, for the loader to keep within: past these the database
 * refuses the whole batch (too many columns, a row too big) or, worse, quietly cuts an
 * identifier short so that two long field names become one column.
 */
export interface WarehouseLimits {
  /** Columns a table may have, bookkeeping columns included. */
  maxColumns: number;
  /** Longest column name, in UTF-8 bytes, kept as written. */
  maxIdentifierBytes: number;
  /**
   * Largest row once every long value has moved out of line (undefined: no such limit). A
   * value longer than `outOfLineAbove` bytes can move out and then takes `outOfLineBytes`.
   */
  maxRowBytes?: number;
  outOfLineAbove?: number;
  outOfLineBytes?: number;
}

export const WAREHOUSE_LIMITS: Record<Dialect, WarehouseLimits> = {
  // Postgres: MaxHeapAttributeNumber 1600; NAMEDATALEN 64 (63 bytes and a terminator); a heap
  // tuple at most 8160 bytes on an 8 kB page, where TOAST moves varlena values over about
  // 24 bytes out of line, leaving an 18-byte pointer in the row.
  postgres: {
    maxColumns: 1600,
    maxIdentifierBytes: 63,
    maxRowBytes: 8160,
    outOfLineAbove: 24,
    outOfLineBytes: 18,
  },
  // Snowflake: identifiers up to 255 characters; no documented column count or row size limit
  // that a landed record could reach before its 16 MB value limit.
  snowflake: { maxColumns: Number.POSITIVE_INFINITY, maxIdentifierBytes: 255 },
};
