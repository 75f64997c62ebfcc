import { sqlDialect } from "../models/dialects.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";

/**
 * The date a discrepancy is dated by, for the month-end close: the date of the document it is
 * about, from the canonical model its rule compares. Each built-in category names its model,
 * the model's key (the discrepancy's key) and its date column:
 * - invoice_*: canonical.invoice.invoice_date (Stripe's finalization date, else the ERP's
 *   invoice date for an invoice only the ERP holds);
 * - payment_*: canonical.payment.payment_date (the charge's date, else the ERP payment date);
 * - refund_missing_in_erp: canonical.refund.doc_date (the refund's creation date in Stripe);
 * - credit_note_*: canonical.credit_note.doc_date (the credit note's creation date in Stripe).
 * Categories with no document date (duplicate_customer, the contract and entitlement
 * categories, a project's own rules) are dated by the as-of of the run that first found them,
 * as is an item whose document the model no longer holds.
 */
export const DOCUMENT_DATES: { model: string; key: string; date: string; categories: string[] }[] = [
  {
    model: "invoice",
    key: "invoice_key",
    date: "invoice_date",
    categories: [
      "invoice_missing_in_erp",
      "invoice_missing_in_billing",
      "invoice_amount_mismatch",
      "invoice_currency_mismatch",
      "invoice_status_mismatch",
    ],
  },
  {
    model: "payment",
    key: "payment_key",
    date: "payment_date",
    categories: ["payment_missing_in_erp", "payment_amount_mismatch"],
  },
  { model: "refund", key: "refund_key", date: "doc_date", categories: ["refund_missing_in_erp"] },
  {
    model: "credit_note",
    key: "credit_note_key",
    date: "doc_date",
    categories: ["credit_note_missing_in_erp", "credit_note_amount_mismatch"],
  },
];

/**
 * The month (YYYY-MM) of each new item (period not yet set) in `categories`: SQL selecting
 * category, key and period, the document's month where its model has one, else `fallback`.
 * Only models the warehouse holds, with both columns, are joined.
 */
export async function documentPeriods(
  tx: WarehouseSession,
  categories: readonly string[],
  fallback: string,
): Promise<string> {
  const d = sqlDialect(tx.dialect);
  const wanted = DOCUMENT_DATES.filter((m) => m.categories.some((c) => categories.includes(c)));
  const present = wanted.length
    ? (
        await tx.query<Record<string, unknown>>(
          `SELECT lower(table_name) AS t, lower(column_name) AS c FROM information_schema.columns
            WHERE lower(table_schema) = 'canonical' AND lower(table_name) IN (${wanted.map((m) => d.literal(m.model)).join(", ")})`,
        )
      ).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), String(v)])))
    : [];
  const has = (t: string, c: string) => present.some((p) => p.t === t && p.c === c);
  const models = wanted.filter((m) => has(m.model, m.key) && has(m.model, m.date));
  const inList = (cs: readonly string[]) => cs.map((c) => d.literal(c)).join(", ");
  const joins = models.map(
    (m, i) =>
      `LEFT JOIN ${tx.quoteTable({ schema: "canonical", name: m.model })} doc${i}
              ON n.category IN (${inList(m.categories)}) AND doc${i}.${m.key} = n.key`,
  );
  const months = models.map((m, i) => `to_char(CAST(doc${i}.${m.date} AS date), 'YYYY-MM')`);
  return `SELECT n.category, n.key, coalesce(${[...months, d.literal(fallback)].join(", ")}) AS period
         FROM ${tx.quoteTable({ schema: "recon", name: "discrepancy" })} n
         ${joins.join("\n         ")}
        WHERE n.period IS NULL AND n.category IN (${inList(categories)})`;
}
