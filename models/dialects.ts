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
  jsonPath: (column, path) =>
    `${column}${path
      .map((p, i) => `${i === path.length - 1 ? "->>" : "->"}${typeof p === "number" ? p : quoteLiteral(p)}`)
      .join("")}`,
  jsonGet: (column, path) =>
    `${column}${path.map((p) => `->${typeof p === "number" ? p : quoteLiteral(p)}`).join("")}`,
  jsonObject: (pairs) =>
    `jsonb_build_object(${pairs.map(([k, v]) => `${quoteLiteral(k)}, ${v}`).join(", ")})`,
  minusDays: (ts, days) => `(${ts} - make_interval(days => ${Math.trunc(days)}))`,
  monthsBetween: (a, b) =>
    `CAST(extract(year FROM age(${b}, ${a})) * 12 + extract(month FROM age(${b}, ${a})) AS integer)`,
  jsonArrayElements: (expr, alias) =>
    `jsonb_array_elements(coalesce(${expr}, CAST('[]' AS jsonb))) AS ${alias}(value)`,
  splitToRows: (expr, pattern, alias) =>
    `regexp_split_to_table(coalesce(${expr}, ''), ${quoteLiteral(pattern)}) AS ${alias}(value)`,
  latestBy: (value, orderBy, from, where) =>
    `(SELECT ${value} FROM ${from}
            WHERE ${where}
            ORDER BY ${orderBy} DESC LIMIT 1)`,
};

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

const snowflake: SqlDialect = {
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

export function sqlDialect(dialect: Dialect): SqlDialect {
  return dialect === "snowflake" ? snowflake : postgres;
}
