import { quoteIdentifier, quoteLiteral } from "../identifiers.js";
import type { SqlDialect } from "../statements/sql-dialect.js";

/** The models' and rules' SQL helpers on Postgres. */
export const postgresSqlDialect: SqlDialect = {
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
  // `'{}' || payload` returns the payload fetched and decompressed, and OFFSET 0 keeps the
  // subquery from being merged into the query above, which would fetch it per expression again.
  payloadOnce: (relation, columns) =>
    `(SELECT ${[...columns, "_trueup_deleted"].map(quoteIdentifier).join(", ")}, CAST('{}' AS jsonb) || _trueup_payload AS _trueup_payload FROM ${relation} payload_once OFFSET 0)`,
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
