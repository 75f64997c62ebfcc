import { sqlDialect } from "../models/dialects.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";

/** recon.exception_queue's columns, in order. */
export const QUEUE_COLUMNS = [
  "category",
  "key",
  "customer_id",
  "customer_name",
  "entity",
  "currency",
  "left_system",
  "left_document",
  "left_value",
  "right_system",
  "right_document",
  "right_value",
  "delta",
  "amount_reporting",
  "reporting_currency",
  "amount_meaning",
  "review_state",
  "assignee",
  "due_at",
  "overdue",
  "period",
  "first_seen_at",
  "as_of",
  "age_days",
  "owner_team",
] as const;

/** recon.close_status's columns, in order. */
export const CLOSE_COLUMNS = [
  "period",
  "entity",
  "open",
  "unreviewed",
  "assigned",
  "explained",
  "blocking",
  "amount_reporting",
  "signed",
  "signed_by",
  "signed_at",
  "changed_at",
] as const;

/**
 * Every discrepancy with what a reviewer reads beside it (customer name, both documents, what
 * the amount means, overdue, age from the last reconciliation's as-of): the exception queue's
 * rows, the ledger's list and the report all select from it. The as-of is the newest
 * checked_at of recon.rule_status (every family writes its run's as-of there); the customer's
 * name comes from canonical.customer when the project has it.
 */
export function ledgerItemsSelect(
  dialect: WarehouseSession["dialect"],
  opts: { withCustomer: boolean },
): string {
  const d = sqlDialect(dialect);
  const t = (name: string) => `${d.quote("recon")}.${d.quote(name)}`;
  const customer = opts.withCustomer
    ? `LEFT JOIN ${d.quote("canonical")}.${d.quote("customer")} c ON c.customer_id = d.customer_id`
    : "";
  return `SELECT d.category, d.key, d.status, d.customer_id, ${opts.withCustomer ? "c.name" : d.cast("NULL", "text")} AS customer_name,
            d.entity, d.currency, d.left_system,
            coalesce(${d.jsonText("d.detail", "number")}, substr(d.key, position(':' in d.key) + 1)) AS left_document,
            d.left_value, d.right_system,
            coalesce(${d.jsonText("d.detail", "erp_number")}, ${d.jsonText("d.detail", "erp_invoice_id")}) AS right_document,
            d.right_value, d.delta, d.amount_reporting, d.reporting_currency,
            CASE WHEN d.amount_reporting IS NULL THEN 'none' WHEN d.delta IS NOT NULL THEN 'difference'
                 ELSE 'whole document' END AS amount_meaning,
            d.review_state, d.assignee, d.reason_code, d.note, d.reviewed_by, d.reviewed_at, d.due_at,
            CASE WHEN d.due_at < a.as_of AND d.review_state <> 'explained' THEN true ELSE false END AS overdue,
            d.period, d.first_seen_at, d.last_seen_at, a.as_of, ${d.daysBetween("d.first_seen_at", "a.as_of")} AS age_days,
            d.owner_team, d.detail
       FROM ${t("discrepancy")} d
       CROSS JOIN (SELECT max(checked_at) AS as_of FROM ${t("rule_status")}) a
       ${customer}`;
}

/** The exception queue: open and not explained, the columns of QUEUE_COLUMNS. */
export function queueSelect(dialect: WarehouseSession["dialect"], opts: { withCustomer: boolean }): string {
  return `SELECT ${QUEUE_COLUMNS.map((c) => `q.${c}`).join(", ")}
       FROM (${ledgerItemsSelect(dialect, opts)}) q
      WHERE q.status = 'open' AND q.review_state <> 'explained'`;
}

/**
 * The close per month (the items' period) and entity: open items by review state, those
 * blocking sign-off (not explained, above `materiality`), and the sign-off if any.
 */
export function closeSelect(dialect: WarehouseSession["dialect"], opts: { materiality: number }): string {
  const d = sqlDialect(dialect);
  const t = (name: string) => `${d.quote("recon")}.${d.quote(name)}`;
  const material = `d.review_state <> 'explained' AND coalesce(d.amount_reporting, 0) > ${Number(opts.materiality)}`;
  return `SELECT g.period, g.entity, g.open, g.unreviewed, g.assigned, g.explained, g.blocking, g.amount_reporting,
            CASE WHEN s.period IS NULL THEN false ELSE true END AS signed, s.signed_by, s.signed_at, s.changed_at
       FROM (SELECT d.period, coalesce(d.entity, 'unknown') AS entity, count(*) AS open,
                    sum(CASE WHEN d.review_state = 'unreviewed' THEN 1 ELSE 0 END) AS unreviewed,
                    sum(CASE WHEN d.review_state = 'assigned' THEN 1 ELSE 0 END) AS assigned,
                    sum(CASE WHEN d.review_state = 'explained' THEN 1 ELSE 0 END) AS explained,
                    sum(CASE WHEN ${material} THEN 1 ELSE 0 END) AS blocking,
                    coalesce(sum(d.amount_reporting), 0) AS amount_reporting
               FROM ${t("discrepancy")} d WHERE d.status = 'open' AND d.period IS NOT NULL
              GROUP BY d.period, coalesce(d.entity, 'unknown')) g
       LEFT JOIN ${t("signoff")} s ON s.period = g.period AND s.entity = g.entity`;
}

/** Whether the project has canonical.customer (a project of its own models may not). */
export async function hasCustomerTable(tx: WarehouseSession): Promise<boolean> {
  const rows = await tx.query(
    `SELECT 1 FROM information_schema.tables WHERE lower(table_schema) = 'canonical' AND lower(table_name) = 'customer'`,
  );
  return rows.length > 0;
}
