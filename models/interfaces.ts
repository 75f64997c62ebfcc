import type { Config } from "../config/schema.js";
import type { SqlDialect } from "../warehouse/statements/sql-dialect.js";

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
export type { SqlDialect } from "../warehouse/statements/sql-dialect.js";

/** What a `ref()` may say of how the model reads the other one. */
export interface RefOptions {
  /**
   * The only columns of the other model this one reads. The model is then rebuilt when one of
   * them changes, not whenever the other model is: a rename in `customer` does not rebuild a
   * model that reads only its `customer_id` and `entity`. Name every column the SQL reads through
   * this ref (a column left out makes the model miss changes to it); a ref of the same model
   * without `columns` elsewhere in the SQL, or in a data test, makes it read every column.
   */
  columns?: readonly string[];
}

export interface ModelContext {
  /** Quoted relation of another model; records the dependency. */
  ref(name: string, options?: RefOptions): string;
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
  /** The upstream models (by id) of which the SQL reads only some columns (`ref(name, { columns })`). */
  refColumns: Readonly<Record<string, readonly string[]>>;
  sources: { source: string; stream: string }[];
}
