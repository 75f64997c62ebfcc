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
  /**
   * One rule family's run of the lifecycle, in the session's transaction: the detail table
   * `recon.<family>_detail` replaced by the rules' rows, then the data's side in set-based
   * statements (open keys no longer found resolve, resolved keys that came back reopen, open
   * keys get their new values, new keys open), an event per change, the review side
   * (`run.review`), and the as-of day's `recon.history` for the family's categories.
   */
  runLifecycle(tx: WarehouseSession, run: FamilyLifecycleRun): Promise<LifecycleCounts>;
}

/** What the lifecycle of one rule family's run needs to know; SQL fragments arrive ready to inline. */
export interface FamilyLifecycleRun {
  family: string;
  /** The detail table's description. */
  description: string;
  /** The rules' rows: a SELECT of category, key and the discrepancy columns. */
  select: string;
  /** The categories the run evaluates; a discrepancy of another category is left alone. */
  categories: readonly string[];
  asOf: string;
  runId: string;
  /** The reporting currency, as a quoted literal. */
  reportingCurrency: string;
  /** The owner team of a new item: an expression over the detail row's `category`. */
  ownerTeam: string;
  /** ` AND …` on `recon.discrepancy d`: open items the resolve step must leave open (empty for none). */
  keepOpen: string;
  /** Throws when the rows of `table` (quoted) hold a key twice, before they are trusted. */
  checkKeys(table: string): Promise<void>;
  /** Records the detail table's column descriptions, where the warehouse keeps them apart from its DDL. */
  describeDetail(): Promise<void>;
  /** The review side and the rule status: after the data's side, in the same transaction. */
  review(): Promise<void>;
}

export interface LifecycleCounts {
  opened: number;
  reopened: number;
  resolved: number;
}

/** The statements for the warehouse a session is on: the one place that asks which. */
export function reconcileStatements(session: Pick<WarehouseSession, "dialect">): ReconcileStatements {
  return session.dialect === "snowflake" ? snowflakeReconcileStatements : postgresReconcileStatements;
}
