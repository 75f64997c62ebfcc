import type { WarehouseSession } from "../interfaces.js";
import { postgresReconcileStatements } from "../postgres/reconcile-statements.js";
import { snowflakeReconcileStatements } from "../snowflake/reconcile-statements.js";

/** The recon schema's tables and views. */
export type ReconTable = "discrepancy" | "discrepancy_events" | "signoff" | "history" | "rule_status";
export type ReconView = "open_discrepancies" | "summary" | "exception_queue" | "close_status";
export type ReconObject = ReconTable | ReconView;

/** What the reconciliation says its objects and columns mean; the DDL records it in the catalog. */
export interface ReconDescriptions {
  object(name: ReconObject): string;
  /**
   * A column's description: by name (a name means the same in every recon object), unless the
   * object (`table`) gives it a meaning of its own; undefined for none.
   */
  column(name: string, table?: string): string | undefined;
}

/**
 * The recon schema's statements whose text differs by warehouse. The reconciliation and the
 * ledger call these without knowing which warehouse they are on; each dialect implements them
 * in warehouse/<dialect>/reconcile-statements.ts.
 */
export interface ReconcileStatements {
  /**
   * recon's tables and its fixed views (open_discrepancies, summary): idempotent DDL, in order,
   * bringing tables made by earlier versions up to date.
   */
  createSchema(docs: ReconDescriptions): readonly string[];
  /**
   * Replaces one of the ledger's views (exception_queue, close_status) with its description,
   * keeping the grants BI roles hold on it. `columns` are the view's column names, in order.
   */
  replaceView(name: ReconView, select: string, columns: readonly string[], docs: ReconDescriptions): string[];
  /**
   * Records the description of every described column of recon's tables and views (one table's
   * when `table` is given) where the DDL above has not carried them already.
   */
  describeColumns(tx: WarehouseSession, docs: ReconDescriptions, table?: string): Promise<void>;
}

/** The statements for the warehouse a session is on: the one place that asks which. */
export function reconcileStatements(session: Pick<WarehouseSession, "dialect">): ReconcileStatements {
  return session.dialect === "snowflake" ? snowflakeReconcileStatements : postgresReconcileStatements;
}
