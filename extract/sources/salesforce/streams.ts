import type { StreamDescriptor } from "../../../load/interfaces.js";
import { snakeCase } from "../../../load/naming.js";
import type { ColumnType } from "../../../warehouse/interfaces.js";

export const SALESFORCE_STREAMS = ["Account", "Contact", "Opportunity"] as const;

/** Salesforce describe types → staging column types (ids, picklists, urls and the rest stay text). */
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
    case "long":
      return "bigint";
    case "boolean":
      return "boolean";
    default:
      return "text";
  }
}

export interface DescribeField {
  name: string;
  type: string;
}

export function descriptorFor(object: string): StreamDescriptor {
  return {
    source: "salesforce",
    stream: object,
    primaryKey: ["id"],
    versionColumn: "system_modstamp",
    description: `Salesforce ${object} (REST queryAll, incremental on SystemModstamp then Id).`,
  };
}

/** Declared column types from describe, so an always-null custom field still gets its real type. */
export function columnTypes(fields: DescribeField[]): Record<string, ColumnType> {
  const out: Record<string, ColumnType> = {};
  for (const f of fields) out[snakeCase(f.name)] = columnTypeOf(f.type);
  return out;
}
