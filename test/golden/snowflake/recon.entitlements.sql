-- recon.entitlements: Support organizations' tiers against the customers' active contracts.
CREATE OR REPLACE TABLE "recon"."entitlements_detail" AS
SELECT 'entitlement_mismatch' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT s.support_system || ':' || s.zendesk_organization_id AS key, s.customer_id, cu.entity, s.support_system AS left_system,
               s.current_support_tier AS left_value, coalesce(cu.crm_system, 'salesforce') AS right_system, s.contract_support_tier AS right_value,
               CAST(NULL AS number(38,10)) AS delta, NULL AS currency, CAST(NULL AS number(38,10)) AS amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('contract_id', s.contract_id) AS detail
          FROM "canonical"."support_tier_corrections" s LEFT JOIN "canonical"."customer" cu ON cu.customer_id = s.customer_id) r;
