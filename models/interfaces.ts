import type { Config } from "../config/schema.js";
import type { Dialect } from "../warehouse/interfaces.js";

/**
 * A model is a SELECT with declared metadata (dbt): how it is materialized is separate from what
 * it computes, and its dependencies come from the `ref()` / `source()` calls its SQL makes, so
 * the DAG is inferred, never hand-listed.
 */
export type Materialization = "view" | "table" | "incremental";

export type ColumnTest =
  | "unique"
  | "not_null"
  | { accepted_values: readonly (string | number | boolean)[]; severity?: Severity }
  | { relationships: { to: string; field: string }; severity?: Severity }
  | { unique: true; severity?: Severity }
  | { not_null: true; severity?: Severity };

export type Severity = "error" | "warn";

export interface ModelTest {
  name: string;
  /** A SELECT returning the failing rows: zero rows means the test passes. */
  sql: (ctx: ModelContext) => string;
  severity?: Severity;
}

export interface ColumnDoc {
  description?: string;
  tests?: ColumnTest[];
}

export interface ModelDefinition {
  /** Unqualified name; the relation is `<schema>.<name>`. */
  name: string;
  schema?: string;
  materialized: Materialization;
  /** Required for incremental models (merge key) and checked by an implicit unique test. */
  uniqueKey?: string[];
  tags?: string[];
  /** The relation's comment in the warehouse (what a BI tool shows); optional. */
  description?: string;
  columns?: Record<string, ColumnDoc>;
  tests?: ModelTest[];
  sql: (ctx: ModelContext) => string;
  /** Where the model is defined (a project-relative path), so errors can name it; set by the loader. */
  file?: string;
}

/** Dialect helpers: one model text compiles for Postgres and Snowflake. */
export interface SqlDialect {
  readonly name: Dialect;
  quote(identifier: string): string;
  literal(value: string): string;
  /** Text value of a key of a JSON/VARIANT column. */
  jsonText(column: string, key: string): string;
  /** Casts an expression to a logical type. */
  cast(
    expr: string,
    type: "text" | "numeric" | "bigint" | "date" | "timestamptz" | "boolean" | "double",
  ): string;
  /** The run's as-of instant, as a timestamp literal. */
  timestamp(iso: string): string;
  /** Whole days between two dates/timestamps (b − a). */
  daysBetween(a: string, b: string): string;
  /** Aggregated distinct text values joined by `sep`, ordered. */
  stringAgg(expr: string, sep: string): string;
  /** Case-insensitive regular-expression replace (global). */
  regexpReplace(expr: string, pattern: string, replacement: string): string;
  /** Unix seconds → timestamp. */
  fromUnix(expr: string): string;
  /** Text at a path of a JSON/VARIANT column (keys, or array indexes as numbers). */
  jsonPath(column: string, path: readonly (string | number)[]): string;
  /** JSON value (not text) at a path. */
  jsonGet(column: string, path: readonly (string | number)[]): string;
  /** A JSON object from key/value pairs (null values kept). */
  jsonObject(pairs: readonly [string, string][]): string;
  /** `ts` minus `days` days. */
  minusDays(ts: string, days: number): string;
  /** Whole calendar months from a to b. */
  monthsBetween(a: string, b: string): string;
  /**
   * A FROM item that unnests a JSON array (NULL = empty), lateral to the rows before it; each
   * element is `<alias>.value`.
   */
  jsonArrayElements(expr: string, alias: string): string;
  /** A FROM item with one row per piece of `expr` split on `pattern`; each piece is `<alias>.value`. */
  splitToRows(expr: string, pattern: string, alias: string): string;
  /**
   * A scalar subquery: `value` of the row of `from` (filtered by `where`) with the largest
   * `orderBy`. Snowflake refuses a correlated subquery that is one row only by its LIMIT, so
   * there it is an aggregate (MAX_BY), one row by construction.
   */
  latestBy(value: string, orderBy: string, from: string, where: string): string;
}

export interface ModelContext {
  /** Quoted relation of another model; records the dependency. */
  ref(name: string): string;
  /** Quoted staging relation of a source stream; records the dependency. */
  source(source: string, stream: string): string;
  /** The model's own relation (for incremental filters). */
  readonly this: string;
  /** True when an incremental model is being merged into an existing table. */
  readonly isIncremental: boolean;
  readonly asOf: string;
  readonly config: Config;
  readonly d: SqlDialect;
  var<T = unknown>(name: string, fallback?: T): T;
}

export interface ModelNode {
  definition: ModelDefinition;
  relation: { schema: string; name: string };
  refs: string[];
  sources: { source: string; stream: string }[];
}
