import type { WarehouseSession } from "../warehouse/interfaces.js";
import { reconcileStatements } from "../warehouse/statements/reconcile.js";
import { CLOSE_COLUMNS, closeSelect, hasCustomerTable, QUEUE_COLUMNS, queueSelect } from "./ledger-views.js";
import { RECON_DESCRIPTIONS } from "./schema-descriptions.js";

/**
 * The `recon` schema finance reads. `discrepancy` keeps every discrepancy ever found, open or
 * resolved (nothing is deleted); `discrepancy_events` is its lifecycle log; `signoff` the
 * month-end close; `history` a daily snapshot for trend charts; `rule_status` what the last run
 * ran; `summary`, `open_discrepancies`, `exception_queue` and `close_status` are views shaped
 * for BI. Idempotent DDL, run before each reconciliation; the statements whose text differs by
 * warehouse come from warehouse/statements/reconcile.ts, the descriptions from
 * schema-descriptions.ts.
 */

export { reconColumnDescription } from "./schema-descriptions.js";
export { hasCustomerTable, ledgerItemsSelect } from "./ledger-views.js";

/**
 * Records the description of every described column of recon's tables and views (the detail
 * tables' too; one table's when named), where the warehouse does not carry them inline.
 */
export async function commentReconColumns(tx: WarehouseSession, table?: string): Promise<void> {
  await reconcileStatements(tx).describeColumns(tx, RECON_DESCRIPTIONS, table);
}

export async function ensureReconSchema(
  tx: WarehouseSession,
  options: { materiality?: number } = {},
): Promise<void> {
  const statements = reconcileStatements(tx);
  await tx.lockForTransaction("ddl");
  for (const s of statements.createSchema(RECON_DESCRIPTIONS)) await tx.query(s);
  // The ledger's views, replaced each run: materiality comes from the config, and the customer
  // table may come later (same columns and types either way, so they replace in place).
  const withCustomer = await hasCustomerTable(tx);
  const views = [
    ...statements.replaceView(
      "exception_queue",
      queueSelect(tx.dialect, { withCustomer }),
      QUEUE_COLUMNS,
      RECON_DESCRIPTIONS,
    ),
    ...statements.replaceView(
      "close_status",
      closeSelect(tx.dialect, { materiality: options.materiality ?? 0 }),
      CLOSE_COLUMNS,
      RECON_DESCRIPTIONS,
    ),
  ];
  for (const s of views) await tx.query(s);
  await commentReconColumns(tx);
}
