import type { ColumnType } from "../interfaces.js";

export const POSTGRES_TYPES: Record<ColumnType, string> = {
  text: "text",
  bigint: "bigint",
  numeric: "numeric",
  double: "double precision",
  boolean: "boolean",
  timestamptz: "timestamptz",
  date: "date",
  jsonb: "jsonb",
};

const FROM_NATIVE: Record<string, ColumnType> = {
  text: "text",
  "character varying": "text",
  bigint: "bigint",
  integer: "bigint",
  smallint: "bigint",
  numeric: "numeric",
  "double precision": "double",
  real: "double",
  boolean: "boolean",
  "timestamp with time zone": "timestamptz",
  date: "date",
  jsonb: "jsonb",
  json: "jsonb",
};

export function fromNativeType(native: string): ColumnType | "other" {
  return FROM_NATIVE[native] ?? "other";
}
