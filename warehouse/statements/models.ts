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
}

/** The model statements of the warehouse `db` is on. */
export function modelStatements(db: Pick<WarehouseSession, "dialect">): ModelStatements {
  return IMPLEMENTATIONS[db.dialect];
}

const IMPLEMENTATIONS: Record<Dialect, ModelStatements> = {
  postgres: postgresModelStatements,
  snowflake: snowflakeModelStatements,
};
