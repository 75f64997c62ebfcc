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

/** One part of an API name: a letter, then letters and digits, with single underscores between. */
const PART = "[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*";
/**
 * Salesforce's API-name grammar: an optional namespace prefix (`acme__`), the name, and for
 * custom and related things a suffix (`__c` custom, `__r` relationship, `__pc` person account,
 * `__s` compound sub-field, `__e` event, `__mdt` metadata type, `__x` external, `__b` big
 * object); a prefix only comes with a suffix. Nothing else can be a field or object, so nothing
 * else goes into SOQL.
 */
const API_NAME = new RegExp(`^(?:${PART}|(?:${PART}__)?${PART}__(?:c|r|pc|s|e|mdt|x|b))$`, "i");

export function isSalesforceApiName(name: string): boolean {
  return name.length <= 255 && API_NAME.test(name);
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
