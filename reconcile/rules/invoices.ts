import type { RuleFamily } from "../interfaces.js";
import { BILLING_AND_ERP, expectedBilling } from "./erp-side.js";

/**
 * Billing vs ERP invoices, on canonical.invoice (which already paired them: external id, memo
 * number, customer + amount + date). Windows count back from as-of; amounts compare in the
 * invoice's own currency with the configured tolerance (default 0.01 of the unit).
 */
export const invoiceRules: RuleFamily = {
  name: "invoices",
  description: "Billing invoices against ERP invoices (conformed.billing_invoice, conformed.erp_invoice).",
  rules: [
    {
      category: "invoice_missing_in_erp",
      description: "A finalized billing invoice, older than the posting window, that neither ERP holds.",
      needs: BILLING_AND_ERP,
      sql: (ctx) => `
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.billing_system AS left_system, CAST(i.billing_amount AS text) AS left_value,
               i.erp_expected_system AS right_system, NULL AS right_value,
               ${ctx.d.cast("NULL", "numeric")} AS delta, i.billing_currency AS currency, i.amount_reporting,
               ${ctx.d.jsonObject([
                 ["number", "i.billing_invoice_number"],
                 ["status", "i.billing_status"],
                 ["finalized_at", "i.billing_finalized_at"],
               ])} AS detail
          FROM ${ctx.ref("invoice")} i
         WHERE i.billing_invoice_id IS NOT NULL AND i.erp_invoice_id IS NULL AND i.erp_expected_system IS NOT NULL
           AND i.billing_finalized_at < ${ctx.d.minusDays(ctx.d.timestamp(ctx.asOf), ctx.settings.windowDays)}`,
    },
    {
      category: "invoice_missing_in_billing",
      description: "An ERP invoice with no billing invoice behind it.",
      needs: BILLING_AND_ERP,
      sql: (ctx) => `
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.erp_system AS left_system, CAST(i.erp_amount AS text) AS left_value,
               ${expectedBilling(ctx)} AS right_system, NULL AS right_value, ${ctx.d.cast("NULL", "numeric")} AS delta, i.erp_currency AS currency, i.amount_reporting,
               ${ctx.d.jsonObject([
                 ["erp_number", "i.erp_number"],
                 ["erp_date", "i.erp_date"],
                 ["erp_status", "i.erp_status"],
               ])} AS detail
          FROM ${ctx.ref("invoice")} i
         WHERE i.billing_invoice_id IS NULL AND i.erp_invoice_id IS NOT NULL`,
    },
    {
      category: "invoice_amount_mismatch",
      description: "Matched invoices whose totals differ by more than the tolerance (same currency).",
      needs: BILLING_AND_ERP,
      sql: (ctx) => `
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.billing_system AS left_system, CAST(i.billing_amount AS text) AS left_value,
               i.erp_system AS right_system, CAST(i.erp_amount AS text) AS right_value, i.billing_amount - i.erp_amount AS delta,
               i.billing_currency AS currency, abs(i.billing_amount - i.erp_amount) * (i.amount_reporting / nullif(i.billing_amount, 0)) AS amount_reporting,
               ${ctx.d.jsonObject([
                 ["match_method", "i.match_method"],
                 ["erp_invoice_id", "i.erp_invoice_id"],
               ])} AS detail
          FROM ${ctx.ref("invoice")} i
         WHERE i.billing_invoice_id IS NOT NULL AND i.erp_invoice_id IS NOT NULL AND i.billing_currency = i.erp_currency
           AND abs(i.billing_amount - i.erp_amount) > ${ctx.settings.amountTolerance}`,
    },
    {
      category: "invoice_currency_mismatch",
      description: "Matched invoices in different currencies.",
      needs: BILLING_AND_ERP,
      sql: (ctx) => `
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.billing_system AS left_system, i.billing_currency AS left_value,
               i.erp_system AS right_system, i.erp_currency AS right_value, ${ctx.d.cast("NULL", "numeric")} AS delta, i.billing_currency AS currency,
               i.amount_reporting, ${ctx.d.jsonObject([
                 ["billing_amount", "i.billing_amount"],
                 ["erp_amount", "i.erp_amount"],
                 ["erp_invoice_id", "i.erp_invoice_id"],
               ])} AS detail
          FROM ${ctx.ref("invoice")} i
         WHERE i.billing_invoice_id IS NOT NULL AND i.erp_invoice_id IS NOT NULL AND i.billing_currency <> i.erp_currency`,
    },
    {
      category: "invoice_status_mismatch",
      description: "Paid in one system, open in the other, beyond the settlement window.",
      needs: BILLING_AND_ERP,
      sql: (ctx) => {
        const cutoff = `${ctx.d.minusDays(ctx.d.timestamp(ctx.asOf), ctx.settings.windowDays)}`;
        return `
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.billing_system AS left_system, i.billing_status AS left_value,
               i.erp_system AS right_system, i.erp_status AS right_value, ${ctx.d.cast("NULL", "numeric")} AS delta, i.billing_currency AS currency,
               i.amount_reporting, ${ctx.d.jsonObject([
                 ["paid_at", "i.billing_paid_at"],
                 ["erp_invoice_id", "i.erp_invoice_id"],
               ])} AS detail
          FROM ${ctx.ref("invoice")} i
         WHERE i.billing_invoice_id IS NOT NULL AND i.erp_invoice_id IS NOT NULL
           AND ((i.billing_status = 'paid' AND i.erp_status = 'open' AND i.billing_paid_at < ${cutoff})
             OR (i.billing_status = 'open' AND i.erp_status = 'paid' AND i.billing_finalized_at < ${cutoff}))`;
      },
    },
  ],
};
