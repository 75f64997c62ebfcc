import type { Rule, RuleContext, RuleFamily } from "../interfaces.js";
import { BILLING_AND_ERP } from "./erp-side.js";

/**
 * A billing document (refund or credit note) older than the posting window that neither ERP
 * holds, on canonical.refund / canonical.credit_note (which already paired them).
 */
function missingInErp(ctx: RuleContext, model: "refund" | "credit_note", detail: [string, string][]): string {
  return `
        SELECT r.${model}_key AS key, r.customer_id, r.entity, r.billing_system AS left_system, CAST(r.billing_amount AS text) AS left_value,
               r.erp_expected_system AS right_system, NULL AS right_value,
               ${ctx.d.cast("NULL", "numeric")} AS delta, r.billing_currency AS currency, r.amount_reporting,
               ${ctx.d.jsonObject([["created_at", "r.billing_created_at"], ...detail])} AS detail
          FROM ${ctx.ref(model)} r
         WHERE r.billing_${model}_id IS NOT NULL AND r.erp_${model}_id IS NULL AND r.erp_expected_system IS NOT NULL
           AND r.billing_created_at < ${ctx.d.minusDays(ctx.d.timestamp(ctx.asOf), ctx.settings.windowDays)}`;
}

const accounting: Pick<Rule, "ownerTeam" | "needs"> = { ownerTeam: "accounting", needs: BILLING_AND_ERP };

/** Money given back to customers in billing (refunds, credit notes) against the ERP's postings of it. */
export const creditRules: RuleFamily = {
  name: "credits",
  description: "Billing refunds and credit notes against ERP refunds and credit memos.",
  rules: [
    {
      category: "refund_missing_in_erp",
      description: "A succeeded refund, older than the posting window, with no ERP refund or credit record.",
      ...accounting,
      sql: (ctx) => missingInErp(ctx, "refund", [["charge", "r.billing_payment_id"]]),
    },
    {
      category: "credit_note_missing_in_erp",
      description: "An issued credit note, older than the posting window, with no ERP credit memo.",
      ...accounting,
      sql: (ctx) =>
        missingInErp(ctx, "credit_note", [
          ["number", "r.billing_credit_note_number"],
          ["invoice", "r.billing_invoice_id"],
        ]),
    },
    {
      category: "credit_note_amount_mismatch",
      description: "Matched credit notes whose amounts differ by more than the tolerance (same currency).",
      ...accounting,
      sql: (ctx) => `
        SELECT r.credit_note_key AS key, r.customer_id, r.entity, r.billing_system AS left_system, CAST(r.billing_amount AS text) AS left_value,
               r.erp_system AS right_system, CAST(r.erp_amount AS text) AS right_value, r.billing_amount - r.erp_amount AS delta,
               r.billing_currency AS currency, abs(r.billing_amount - r.erp_amount) * (r.amount_reporting / nullif(r.billing_amount, 0)) AS amount_reporting,
               ${ctx.d.jsonObject([
                 ["match_method", "r.match_method"],
                 ["erp_credit_note_id", "r.erp_credit_note_id"],
                 ["number", "r.billing_credit_note_number"],
               ])} AS detail
          FROM ${ctx.ref("credit_note")} r
         WHERE r.billing_credit_note_id IS NOT NULL AND r.erp_credit_note_id IS NOT NULL AND r.billing_currency = r.erp_currency
           AND abs(r.billing_amount - r.erp_amount) > ${ctx.settings.amountTolerance}`,
    },
  ],
};
