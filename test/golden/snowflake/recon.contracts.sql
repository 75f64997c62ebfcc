-- recon.contracts: Closed-won CRM opportunities against billing subscriptions.
CREATE OR REPLACE TABLE "recon"."contracts_detail" AS
SELECT 'contract_amount_mismatch' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT c.crm_system || ':' || c.contract_id AS key, c.customer_id, cu.entity, c.crm_system AS left_system, CAST(c.acv AS text) AS left_value,
               coalesce(c.billing_system, 'stripe') AS right_system, CAST(round(c.subscription_annual_amount, 2) AS text) AS right_value,
               c.acv - c.subscription_annual_amount AS delta, c.currency, abs(c.acv_reporting - c.subscription_annual_reporting) AS amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('subscription_id', c.subscription_id, 'match_method', c.match_method) AS detail
          FROM "canonical"."contract" c LEFT JOIN "canonical"."customer" cu ON cu.customer_id = c.customer_id
         WHERE c.subscription_id IS NOT NULL AND c.subscription_annual_amount > 0
           AND CASE WHEN c.currency = c.subscription_currency
                    THEN abs(c.acv - c.subscription_annual_amount) > 0.005 * c.subscription_annual_amount
                    ELSE abs(c.acv_reporting - c.subscription_annual_reporting) > 0.005 * c.subscription_annual_reporting END) r
UNION ALL
SELECT 'contract_missing_subscription' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT c.crm_system || ':' || c.contract_id AS key, c.customer_id, cu.entity, c.crm_system AS left_system, CAST(c.acv AS text) AS left_value,
               coalesce(c.billing_system, 'stripe') AS right_system, NULL AS right_value, CAST(NULL AS number(38,10)) AS delta, c.currency, c.acv_reporting AS amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('start_date', c.start_date, 'end_date', c.end_date) AS detail
          FROM "canonical"."contract" c LEFT JOIN "canonical"."customer" cu ON cu.customer_id = c.customer_id
         WHERE c.subscription_id IS NULL AND c.start_date <= CAST(TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z') AS date)) r;
