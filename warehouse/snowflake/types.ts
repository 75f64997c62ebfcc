import type { ColumnType } from "../interfaces.js";

/**
 * Logical column types in Snowflake. Exact decimals keep 38 digits with 10 after the point
 * (money, FX rates); ids that are numbers in the source stay VARCHAR upstream of here.
 */
export const SNOWFLAKE_TYPES: Record<ColumnType, string> = {
  text: "VARCHAR",
  bigint: "NUMBER(38,0)",
  numeric: "NUMBER(38,10)",
  double: "FLOAT",
  boolean: "BOOLEAN",
  timestamptz: "TIMESTAMP_TZ",
  date: "DATE",
  jsonb: "VARIANT",
};

/** Snowflake's DATA_TYPE (information_schema) → logical type. */
export function logicalType(dataType: string, scale: number | null): ColumnType | "other" {
  switch (dataType.toUpperCase()) {
    case "TEXT":
    case "VARCHAR":
      return "text";
    case "NUMBER":
      return scale === 0 ? "bigint" : "numeric";
    case "FLOAT":
      return "double";
    case "BOOLEAN":
      return "boolean";
    case "TIMESTAMP_TZ":
      return "timestamptz";
    case "DATE":
      return "date";
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
      return "jsonb";
    default:
      return "other";
  }
}

/**
 * A VARIANT column's value as trueup wrote it: snowflake-sdk parses VARIANTs, but hands one back
 * as JSON text depending on its configuration; Postgres's jsonb arrives parsed.
 */
export function fromVariant<T>(value: T | string | null): T | null {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}
