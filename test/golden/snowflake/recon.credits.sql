-- recon.credits: Billing refunds and credit notes against ERP refunds and credit memos.
CREATE OR REPLACE TABLE "recon"."credits_detail" AS
SELECT 'refund_missing_in_erp' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT r.refund_key AS key, r.customer_id, r.entity, r.billing_system AS left_system, CAST(r.billing_amount AS text) AS left_value,
               r.erp_expected_system AS right_system, NULL AS right_value,
               CAST(NULL AS number(38,10)) AS delta, r.billing_currency AS currency, r.amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('created_at', r.billing_created_at, 'charge', r.billing_payment_id) AS detail
          FROM "canonical"."refund" r
         WHERE r.billing_refund_id IS NOT NULL AND r.erp_refund_id IS NULL AND r.erp_expected_system IS NOT NULL
           AND r.billing_created_at < DATEADD('day', -3, TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z'))) r
UNION ALL
SELECT 'credit_note_missing_in_erp' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT r.credit_note_key AS key, r.customer_id, r.entity, r.billing_system AS left_system, CAST(r.billing_amount AS text) AS left_value,
               r.erp_expected_system AS right_system, NULL AS right_value,
               CAST(NULL AS number(38,10)) AS delta, r.billing_currency AS currency, r.amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('created_at', r.billing_created_at, 'number', r.billing_credit_note_number, 'invoice', r.billing_invoice_id) AS detail
          FROM "canonical"."credit_note" r
         WHERE r.billing_credit_note_id IS NOT NULL AND r.erp_credit_note_id IS NULL AND r.erp_expected_system IS NOT NULL
           AND r.billing_created_at < DATEADD('day', -3, TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z'))) r
UNION ALL
SELECT 'credit_note_amount_mismatch' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT r.credit_note_key AS key, r.customer_id, r.entity, r.billing_system AS left_system, CAST(r.billing_amount AS text) AS left_value,
               r.erp_system AS right_system, CAST(r.erp_amount AS text) AS right_value, r.billing_amount - r.erp_amount AS delta,
               r.billing_currency AS currency, abs(r.billing_amount - r.erp_amount) * (r.amount_reporting / nullif(r.billing_amount, 0)) AS amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('match_method', r.match_method, 'erp_credit_note_id', r.erp_credit_note_id, 'number', r.billing_credit_note_number) AS detail
          FROM "canonical"."credit_note" r
         WHERE r.billing_credit_note_id IS NOT NULL AND r.erp_credit_note_id IS NOT NULL AND r.billing_currency = r.erp_currency
           AND abs(r.billing_amount - r.erp_amount) > 0.01) r;
