import type { RuleFamily } from "../interfaces.js";
import { expectedBilling } from "./erp-side.js";

/** CRM contracts against billing subscriptions, on canonical.contract. */
export const contractRules: RuleFamily = {
  name: "contracts",
  description: "Closed-won CRM opportunities against billing subscriptions.",
  rules: [
    {
      category: "contract_amount_mismatch",
      description:
        "ACV differs from the subscription's annualized amount by more than the relative tolerance (default 0.5 %).",
      needs: [["crm"], ["billing"]],
      sql: (ctx) => `
        SELECT c.crm_system || ':' || c.contract_id AS key, c.customer_id, cu.entity, c.crm_system AS left_system, CAST(c.acv AS text) AS left_value,
               ${expectedBilling(ctx, "c.billing_system")} AS right_system, CAST(round(c.subscription_annual_amount, 2) AS text) AS right_value,
               c.acv - c.subscription_annual_amount AS delta, c.currency, abs(c.acv_reporting - c.subscription_annual_reporting) AS amount_reporting,
               ${ctx.d.jsonObject([
                 ["subscription_id", "c.subscription_id"],
                 ["match_method", "c.match_method"],
               ])} AS detail
          FROM ${ctx.ref("contract")} c LEFT JOIN ${ctx.ref("customer", { columns: ["customer_id", "entity"] })} cu ON cu.customer_id = c.customer_id
         WHERE c.subscription_id IS NOT NULL AND c.subscription_annual_amount > 0
           AND CASE WHEN c.currency = c.subscription_currency
                    THEN abs(c.acv - c.subscription_annual_amount) > ${ctx.settings.contractTolerance} * c.subscription_annual_amount
                    ELSE abs(c.acv_reporting - c.subscription_annual_reporting) > ${ctx.settings.contractTolerance} * c.subscription_annual_reporting END`,
    },
    {
      category: "contract_missing_subscription",
      description: "Closed-won and started (by date, as of the run) with no billing subscription.",
      needs: [["crm"], ["billing"]],
      sql: (ctx) => `
        SELECT c.crm_system || ':' || c.contract_id AS key, c.customer_id, cu.entity, c.crm_system AS left_system, CAST(c.acv AS text) AS left_value,
               ${expectedBilling(ctx, "c.billing_system")} AS right_system, NULL AS right_value, ${ctx.d.cast("NULL", "numeric")} AS delta, c.currency, c.acv_reporting AS amount_reporting,
               ${ctx.d.jsonObject([
                 ["start_date", "c.start_date"],
                 ["end_date", "c.end_date"],
               ])} AS detail
          FROM ${ctx.ref("contract")} c LEFT JOIN ${ctx.ref("customer", { columns: ["customer_id", "entity"] })} cu ON cu.customer_id = c.customer_id
         WHERE c.subscription_id IS NULL AND c.start_date <= CAST(${ctx.d.timestamp(ctx.asOf)} AS date)`,
    },
  ],
};
