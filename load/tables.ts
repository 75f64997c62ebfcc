import type { ColumnSpec, TableRef } from "../warehouse/interfaces.js";
import { tableName } from "./naming.js";

export const RAW_COLUMNS: ColumnSpec[] = [
  { name: "_trueup_run_id", type: "text", nullable: false, description: "Run that landed the record." },
  { name: "_trueup_loaded_at", type: "timestamptz", nullable: false, description: "When it was landed." },
  { name: "_trueup_source", type: "text", nullable: false, description: "Source system." },
  {
    name: "_trueup_position",
    type: "text",
    description: "Where in the source it came from (page, file:line).",
  },
  { name: "_trueup_deleted", type: "boolean", description: "The source reported the record deleted." },
  { name: "_trueup_payload", type: "jsonb", description: "The record exactly as the source returned it." },
];

/** Staging bookkeeping columns, after the vendor's own. */
export const STAGING_META: ColumnSpec[] = [
  { name: "_trueup_payload", type: "jsonb", description: "The whole record as the source returned it." },
  { name: "_trueup_deleted", type: "boolean", description: "Tombstone: deleted in the source." },
  { name: "_trueup_run_id", type: "text", description: "Run that last changed this row." },
  { name: "_trueup_loaded_at", type: "timestamptz", description: "When this row last changed." },
  {
    name: "_trueup_position",
    type: "text",
    description: "Where in the source the current version came from.",
  },
];

export function rawTable(source: string, stream: string): TableRef {
  return { schema: "raw", name: tableName(source, stream) };
}

export function stagingTable(source: string, stream: string): TableRef {
  return { schema: "staging", name: tableName(source, stream) };
}
