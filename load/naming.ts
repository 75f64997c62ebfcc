import { memoize } from "../core/memo.js";

/**
 * Vendor field names → staging column names: snake_case
 * (`SystemModstamp` → `system_modstamp`, `Contract_Start_Date__c` → `contract_start_date__c`),
 * nested objects joined with `__` (`metadata.salesforce_account_id` → `metadata__salesforce_account_id`).
 */
// Called for every field of every record: the field set of a stream is small, so memoised.
export const snakeCase = memoize(toSnake);

function toSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[\s\-.]+/g, "_")
    .toLowerCase();
}

export function tableName(source: string, stream: string): string {
  return `${source}__${snakeCase(stream)}`;
}

const plainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * Flattens one record. Arrays, and objects deeper than `depth`, stay whole (they become jsonb).
 * Salesforce's per-record `attributes` envelope is API metadata, not data: dropped here, kept in the payload.
 * Two fields that map to one column (`FooBar` and `foo_bar`): the later one's value is the
 * column's, and `onCollision` hears of it, so that it is not silent.
 */
export function flattenRecord(
  record: Record<string, unknown>,
  depth = 2,
  onCollision?: (column: string, field: string) => void,
): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (obj: Record<string, unknown>, prefix: string, level: number) => {
    // for…in, not Object.entries: called for every record, and it allocates no entries array.
    for (const key in obj) {
      const value = obj[key];
      if (level === 0 && key === "attributes" && plainObject(value) && "type" in value) continue;
      const col = prefix ? `${prefix}__${snakeCase(key)}` : snakeCase(key);
      if (plainObject(value) && level < depth && Object.keys(value).length > 0) walk(value, col, level + 1);
      else {
        if (onCollision && out.has(col)) onCollision(col, prefix ? `${prefix}.${key}` : key);
        out.set(col, value);
      }
    }
  };
  walk(record, "", 0);
  return out;
}
