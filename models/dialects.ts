import { quoteIdentifier, quoteLiteral } from "../warehouse/identifiers.js";
import type { Dialect } from "../warehouse/interfaces.js";
import type { SqlDialect } from "./interfaces.js";

const postgres: SqlDialect = {
  name: "postgres",
  quote: quoteIdentifier,
  literal: quoteLiteral,
  jsonText: (column, key) => `(${column} ->> ${quoteLiteral(key)})`,
  cast: (expr, type) => `CAST(${expr} AS ${type === "double" ? "double precision" : type})`,
  timestamp: (iso) => `CAST(${quoteLiteral(iso)} AS timestamptz)`,
  daysBetween: (a, b) => `(CAST(${b} AS date) - CAST(${a} AS date))`,
  stringAgg: (expr, sep) => `string_agg(DISTINCT ${expr}, ${quoteLiteral(sep)} ORDER BY ${expr})`,
  regexpReplace: (expr, pattern, replacement) =>
    `regexp_replace(${expr}, ${quoteLiteral(pattern)}, ${quoteLiteral(replacement)}, 'gi')`,
  fromUnix: (expr) => `to_timestamp(${expr})`,
};

const snowflake: SqlDialect = {
  name: "snowflake",
  quote: quoteIdentifier,
  literal: quoteLiteral,
  jsonText: (column, key) => `(${column}:${quoteIdentifier(key)}::string)`,
  cast: (expr, type) =>
    `CAST(${expr} AS ${{ text: "varchar", numeric: "number(38,10)", bigint: "number(38,0)", date: "date", timestamptz: "timestamp_tz", boolean: "boolean", double: "double" }[type]})`,
  timestamp: (iso) => `TO_TIMESTAMP_TZ(${quoteLiteral(iso)})`,
  daysBetween: (a, b) => `DATEDIFF('day', ${a}, ${b})`,
  stringAgg: (expr, sep) => `LISTAGG(DISTINCT ${expr}, ${quoteLiteral(sep)}) WITHIN GROUP (ORDER BY ${expr})`,
  regexpReplace: (expr, pattern, replacement) =>
    `REGEXP_REPLACE(${expr}, ${quoteLiteral(pattern)}, ${quoteLiteral(replacement)}, 1, 0, 'i')`,
  fromUnix: (expr) => `TO_TIMESTAMP_TZ(${expr})`,
};

export function sqlDialect(dialect: Dialect): SqlDialect {
  return dialect === "snowflake" ? snowflake : postgres;
}
