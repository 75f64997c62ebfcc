import { quoteIdentifier, quoteLiteral } from "../identifiers.js";
import type { SqlDialect } from "../statements/sql-dialect.js";

/** Snowflake path syntax: `col:"key"[0]`. */
function variantPath(column: string, path: readonly (string | number)[]): string {
  return `${column}${path.map((p) => (typeof p === "number" ? `[${p}]` : `:${quoteIdentifier(p)}`)).join("")}`;
}

/**
 * A Snowflake string literal. Snowflake reads backslash escapes inside single quotes (`'\.'` is
 * `.`), Postgres (standard_conforming_strings) does not: a regular expression's `\.` must reach
 * Snowflake as `\\.` to mean a literal dot.
 */
function sfLiteral(value: string): string {
  return quoteLiteral(value.replace(/\\/g, "\\\\"));
}

/** The models' and rules' SQL helpers on Snowflake. */
export const snowflakeSqlDialect: SqlDialect = {
  name: "snowflake",
  quote: quoteIdentifier,
  literal: sfLiteral,
  jsonText: (column, key) => `(${column}:${quoteIdentifier(key)}::string)`,
  cast: (expr, type) =>
    `CAST(${expr} AS ${{ text: "varchar", numeric: "number(38,10)", bigint: "number(38,0)", date: "date", timestamptz: "timestamp_tz", boolean: "boolean", double: "double" }[type]})`,
  timestamp: (iso) => `TO_TIMESTAMP_TZ(${sfLiteral(iso)})`,
  daysBetween: (a, b) => `DATEDIFF('day', ${a}, ${b})`,
  stringAgg: (expr, sep) => `LISTAGG(DISTINCT ${expr}, ${sfLiteral(sep)}) WITHIN GROUP (ORDER BY ${expr})`,
  regexpReplace: (expr, pattern, replacement) =>
    `REGEXP_REPLACE(${expr}, ${sfLiteral(pattern)}, ${sfLiteral(replacement)}, 1, 0, 'i')`,
  fromUnix: (expr) => `TO_TIMESTAMP_TZ(${expr})`,
  jsonPath: (column, path) => `(${variantPath(column, path)}::string)`,
  jsonGet: (column, path) => variantPath(column, path),
  payloadOnce: (relation) => relation,
  jsonObject: (pairs) =>
    `OBJECT_CONSTRUCT_KEEP_NULL(${pairs.map(([k, v]) => `${sfLiteral(k)}, ${v}`).join(", ")})`,
  minusDays: (ts, days) => `DATEADD('day', ${-Math.trunc(days)}, ${ts})`,
  monthsBetween: (a, b) => `CAST(FLOOR(MONTHS_BETWEEN(${b}, ${a})) AS integer)`,
  jsonArrayElements: (expr, alias) => `TABLE(FLATTEN(input => ${expr}, outer => false)) ${alias}`,
  splitToRows: (expr, pattern, alias) =>
    `TABLE(FLATTEN(input => REGEXP_SUBSTR_ALL(coalesce(${expr}, ''), ${sfLiteral(`[^${pattern.replace(/^\[(.*)\]\+$/, "$1")}]+`)}))) ${alias}`,
  latestBy: (value, orderBy, from, where) => `(SELECT MAX_BY(${value}, ${orderBy}) FROM ${from}
            WHERE ${where})`,
};
