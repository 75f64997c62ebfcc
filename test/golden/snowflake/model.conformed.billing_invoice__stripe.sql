-- conformed.billing_invoice__stripe (view): stripe records in the shape of conformed.billing_invoice.
CREATE OR REPLACE VIEW "conformed"."billing_invoice__stripe" AS
SELECT CAST('stripe' AS varchar) AS system, i.id AS invoice_id, (i._trueup_payload:"number"::string) AS number, (i._trueup_payload:"customer"::string) AS customer_id,
           coalesce((i._trueup_payload:"subscription"::string), (i._trueup_payload:"parent":"subscription_details":"subscription"::string)) AS subscription_id,
           (i._trueup_payload:"status"::string) AS status, upper((i._trueup_payload:"currency"::string)) AS currency, (CASE WHEN upper((i._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST((i._trueup_payload:"total"::string) AS number(38,10))
    WHEN upper((i._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST((i._trueup_payload:"total"::string) AS number(38,10)) / 1000
    ELSE CAST((i._trueup_payload:"total"::string) AS number(38,10)) / 100 END) AS amount,
           CASE WHEN (i._trueup_payload:"status_transitions":"finalized_at"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((i._trueup_payload:"status_transitions":"finalized_at"::string) AS number(38,0))) END AS finalized_at, CASE WHEN (i._trueup_payload:"status_transitions":"paid_at"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((i._trueup_payload:"status_transitions":"paid_at"::string) AS number(38,0))) END AS paid_at,
           CASE WHEN (i._trueup_payload:"due_date"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((i._trueup_payload:"due_date"::string) AS number(38,0))) END AS due_at, CASE WHEN (i._trueup_payload:"created"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((i._trueup_payload:"created"::string) AS number(38,0))) END AS created_at
      FROM "staging"."stripe__invoices" i
     WHERE NOT coalesce(i._trueup_deleted, false);
