-- recon.payments: Succeeded billing charges against ERP customer payments.
CREATE OR REPLACE TABLE "recon"."payments_detail" AS
SELECT 'payment_missing_in_erp' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT p.payment_key AS key, p.customer_id, p.entity, p.billing_system AS left_system, CAST(p.billing_amount AS text) AS left_value,
               p.erp_expected_system AS right_system, NULL AS right_value,
               CAST(NULL AS number(38,10)) AS delta, p.billing_currency AS currency, p.amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('paid_at', p.billing_paid_at, 'billing_invoice_id', p.billing_invoice_id) AS detail
          FROM "canonical"."payment" p
         WHERE p.billing_payment_id IS NOT NULL AND p.erp_payment_id IS NULL AND p.erp_expected_system IS NOT NULL
           AND p.billing_paid_at < DATEADD('day', -3, TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z'))) r
UNION ALL
SELECT 'payment_amount_mismatch' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT p.payment_key AS key, p.customer_id, p.entity, p.billing_system AS left_system, CAST(p.billing_amount AS text) AS left_value,
               p.erp_system AS right_system, CAST(p.erp_amount AS text) AS right_value, p.billing_amount - p.erp_amount AS delta,
               p.billing_currency AS currency, abs(p.billing_amount - p.erp_amount) * (p.amount_reporting / nullif(p.billing_amount, 0)) AS amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('match_method', p.match_method, 'erp_payment_id', p.erp_payment_id) AS detail
          FROM "canonical"."payment" p
         WHERE p.billing_payment_id IS NOT NULL AND p.erp_payment_id IS NOT NULL AND p.billing_currency = p.erp_currency
           AND abs(p.billing_amount - p.erp_amount) > 0.01) r;
