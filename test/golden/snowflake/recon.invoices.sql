-- recon.invoices: Billing invoices against ERP invoices (conformed.billing_invoice, conformed.erp_invoice).
CREATE OR REPLACE TABLE "recon"."invoices_detail" AS
SELECT 'invoice_missing_in_erp' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.billing_system AS left_system, CAST(i.billing_amount AS text) AS left_value,
               i.erp_expected_system AS right_system, NULL AS right_value,
               CAST(NULL AS number(38,10)) AS delta, i.billing_currency AS currency, i.amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('number', i.billing_invoice_number, 'status', i.billing_status, 'finalized_at', i.billing_finalized_at) AS detail
          FROM "canonical"."invoice" i
         WHERE i.billing_invoice_id IS NOT NULL AND i.erp_invoice_id IS NULL AND i.erp_expected_system IS NOT NULL
           AND i.billing_finalized_at < DATEADD('day', -3, TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z'))) r
UNION ALL
SELECT 'invoice_missing_in_billing' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.erp_system AS left_system, CAST(i.erp_amount AS text) AS left_value,
               coalesce(NULL, 'stripe') AS right_system, NULL AS right_value, CAST(NULL AS number(38,10)) AS delta, i.erp_currency AS currency, i.amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('erp_number', i.erp_number, 'erp_date', i.erp_date, 'erp_status', i.erp_status) AS detail
          FROM "canonical"."invoice" i
         WHERE i.billing_invoice_id IS NULL AND i.erp_invoice_id IS NOT NULL) r
UNION ALL
SELECT 'invoice_amount_mismatch' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.billing_system AS left_system, CAST(i.billing_amount AS text) AS left_value,
               i.erp_system AS right_system, CAST(i.erp_amount AS text) AS right_value, i.billing_amount - i.erp_amount AS delta,
               i.billing_currency AS currency, abs(i.billing_amount - i.erp_amount) * (i.amount_reporting / nullif(i.billing_amount, 0)) AS amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('match_method', i.match_method, 'erp_invoice_id', i.erp_invoice_id) AS detail
          FROM "canonical"."invoice" i
         WHERE i.billing_invoice_id IS NOT NULL AND i.erp_invoice_id IS NOT NULL AND i.billing_currency = i.erp_currency
           AND abs(i.billing_amount - i.erp_amount) > 0.01) r
UNION ALL
SELECT 'invoice_currency_mismatch' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.billing_system AS left_system, i.billing_currency AS left_value,
               i.erp_system AS right_system, i.erp_currency AS right_value, CAST(NULL AS number(38,10)) AS delta, i.billing_currency AS currency,
               i.amount_reporting, OBJECT_CONSTRUCT_KEEP_NULL('billing_amount', i.billing_amount, 'erp_amount', i.erp_amount, 'erp_invoice_id', i.erp_invoice_id) AS detail
          FROM "canonical"."invoice" i
         WHERE i.billing_invoice_id IS NOT NULL AND i.erp_invoice_id IS NOT NULL AND i.billing_currency <> i.erp_currency) r
UNION ALL
SELECT 'invoice_status_mismatch' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT i.invoice_key AS key, i.customer_id, i.entity, i.billing_system AS left_system, i.billing_status AS left_value,
               i.erp_system AS right_system, i.erp_status AS right_value, CAST(NULL AS number(38,10)) AS delta, i.billing_currency AS currency,
               i.amount_reporting, OBJECT_CONSTRUCT_KEEP_NULL('paid_at', i.billing_paid_at, 'erp_invoice_id', i.erp_invoice_id) AS detail
          FROM "canonical"."invoice" i
         WHERE i.billing_invoice_id IS NOT NULL AND i.erp_invoice_id IS NOT NULL
           AND ((i.billing_status = 'paid' AND i.erp_status = 'open' AND i.billing_paid_at < DATEADD('day', -3, TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z')))
             OR (i.billing_status = 'open' AND i.erp_status = 'paid' AND i.billing_finalized_at < DATEADD('day', -3, TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z'))))) r;
