import type { RuleFamily } from "../interfaces.js";

/** Support tiers in Zendesk against the active contract, on canonical.support_tier_corrections. */
export const entitlementRules: RuleFamily = {
  name: "entitlements",
  description: "Support organizations' tiers against the customers' active contracts.",
  rules: [
    {
      category: "entitlement_mismatch",
      description: "The Zendesk support tier differs from the active contract's (none without one).",
      needs: [["support"], ["crm"]],
      sql: (ctx) => `
        SELECT s.support_system || ':' || s.zendesk_organization_id AS key, s.customer_id, cu.entity, s.support_system AS left_system,
               s.current_support_tier AS left_value, coalesce(cu.crm_system, ${ctx.d.literal(ctx.config.roles.crm[0]!)}) AS right_system, s.contract_support_tier AS right_value,
               ${ctx.d.cast("NULL", "numeric")} AS delta, NULL AS currency, ${ctx.d.cast("NULL", "numeric")} AS amount_reporting,
               ${ctx.d.jsonObject([["contract_id", "s.contract_id"]])} AS detail
          FROM ${ctx.ref("support_tier_corrections")} s LEFT JOIN ${ctx.ref("customer", { columns: ["customer_id", "entity", "crm_system"] })} cu ON cu.customer_id = s.customer_id`,
    },
  ],
};
