import type { Dialect, WarehouseSession } from "../interfaces.js";
import { postgresModelStatements } from "../postgres/models-statements.js";
import { snowflakeModelStatements } from "../snowflake/models-statements.js";

/**
 * The statements of the model framework (`models/`) whose text differs between warehouses. The
 * framework calls them without knowing which warehouse it is on; each warehouse implements them
 * in its own folder (`postgres/models-statements.ts`, `snowflake/models-statements.ts`).
 */
export interface ModelStatements {
  /**
   * A SELECT of one row: `n`, the table's row count, and `checksum`, a text that changes when
   * any row's values in `columns` change (order-independent: a sum or aggregate of row hashes).
   * `table` and `columns` arrive quoted.
   */
  contentChecksum(table: string, columns: readonly string[]): string;
  /**
   * Builds one model in the session's transaction (its schema exists, its lock is held), so
   * readers see the old relation until the new one is complete, and returns what it did.
   */
  materialize(
    tx: WarehouseSession,
    target: MaterializeTarget,
    compiled: { full: string; incremental?: string },
    options: { fullRefresh?: boolean },
  ): Promise<MaterializeResult>;
}

/** What a model's build needs of its definition. */
export interface MaterializeTarget {
  schema: string;
  name: string;
  materialized: "view" | "table" | "incremental";
  /** The merge key of an incremental model, and a unique index where the warehouse has them. */
  uniqueKey?: readonly string[];
  /** The relation's comment. */
  description?: string;
  /** Column comments, by column name. */
  columns?: Readonly<Record<string, { description?: string }>>;
}

export interface MaterializeResult {
  /** Rows in the relation after the build. */
  rows: number;
  /** Rows inserted or changed (incremental: only those; table: all). */
  touched: number;
  mode: "view" | "table" | "incremental-full" | "incremental-merge";
}

/** The model statements of the warehouse `db` is on. */
export function modelStatements(db: Pick<WarehouseSession, "dialect">): ModelStatements {
  return IMPLEMENTATIONS[db.dialect];
}

const IMPLEMENTATIONS: Record<Dialect, ModelStatements> = {
  postgres: postgresModelStatements,
  snowflake: snowflakeModelStatements,
};
