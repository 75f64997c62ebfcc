import type { RuleFamily } from "../interfaces.js";
import { BILLING_AND_ERP } from "./erp-side.js";

/** Billing charges against ERP customer payments, on canonical.payment. */
export const paymentRules: RuleFamily = {
  name: "payments",
  description: "Succeeded billing charges against ERP customer payments.",
  rules: [
    {
      category: "payment_missing_in_erp",
      description: "A succeeded charge, older than the posting window, with no ERP payment.",
      needs: BILLING_AND_ERP,
      sql: (ctx) => `
        SELECT p.payment_key AS key, p.customer_id, p.entity, p.billing_system AS left_system, CAST(p.billing_amount AS text) AS left_value,
               p.erp_expected_system AS right_system, NULL AS right_value,
               ${ctx.d.cast("NULL", "numeric")} AS delta, p.billing_currency AS currency, p.amount_reporting,
               ${ctx.d.jsonObject([
                 ["paid_at", "p.billing_paid_at"],
                 ["billing_invoice_id", "p.billing_invoice_id"],
               ])} AS detail
          FROM ${ctx.ref("payment")} p
         WHERE p.billing_payment_id IS NOT NULL AND p.erp_payment_id IS NULL AND p.erp_expected_system IS NOT NULL
           AND p.billing_paid_at < ${ctx.d.minusDays(ctx.d.timestamp(ctx.asOf), ctx.settings.windowDays)}`,
    },
    {
      category: "payment_amount_mismatch",
      description: "Matched payments whose amounts differ by more than the tolerance.",
      needs: BILLING_AND_ERP,
      sql: (ctx) => `
        SELECT p.payment_key AS key, p.customer_id, p.entity, p.billing_system AS left_system, CAST(p.billing_amount AS text) AS left_value,
               p.erp_system AS right_system, CAST(p.erp_amount AS text) AS right_value, p.billing_amount - p.erp_amount AS delta,
               p.billing_currency AS currency, abs(p.billing_amount - p.erp_amount) * (p.amount_reporting / nullif(p.billing_amount, 0)) AS amount_reporting,
               ${ctx.d.jsonObject([
                 ["match_method", "p.match_method"],
                 ["erp_payment_id", "p.erp_payment_id"],
               ])} AS detail
          FROM ${ctx.ref("payment")} p
         WHERE p.billing_payment_id IS NOT NULL AND p.erp_payment_id IS NOT NULL AND p.billing_currency = p.erp_currency
           AND abs(p.billing_amount - p.erp_amount) > ${ctx.settings.amountTolerance}`,
    },
  ],
};
