import type { ColumnType } from "../../../warehouse/interfaces.js";

export const SALESFORCE_STREAMS = ["Account", "Contact", "Opportunity"] as const;

/** Salesforce describe types → staging column types (anything else stays text). */
export function columnTypeOf(sfType: string): ColumnType {
  switch (sfType) {
    case "datetime":
      return "timestamptz";
    case "date":
      return "date";
    case "double":
    case "currency":
    case "percent":
      return "numeric";
    case "int":
      return "bigint";
    case "boolean":
      return "boolean";
    default:
      return "text";
  }
}
