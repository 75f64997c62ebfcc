-- conformed.billing_refund__stripe (view): stripe records in the shape of conformed.billing_refund.
CREATE OR REPLACE VIEW "conformed"."billing_refund__stripe" AS
SELECT CAST('stripe' AS varchar) AS system, r.id AS refund_id, (r._trueup_payload:"charge"::string) AS payment_id,
           (ch._trueup_payload:"customer"::string) AS customer_id, CAST(NULL AS varchar) AS number, (r._trueup_payload:"status"::string) AS status,
           upper((r._trueup_payload:"currency"::string)) AS currency, (CASE WHEN upper((r._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST((r._trueup_payload:"amount"::string) AS number(38,10))
    WHEN upper((r._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST((r._trueup_payload:"amount"::string) AS number(38,10)) / 1000
    ELSE CAST((r._trueup_payload:"amount"::string) AS number(38,10)) / 100 END) AS amount, CASE WHEN (r._trueup_payload:"created"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((r._trueup_payload:"created"::string) AS number(38,0))) END AS created_at
      FROM "staging"."stripe__refunds" r
      LEFT JOIN "staging"."stripe__charges" ch ON ch.id = (r._trueup_payload:"charge"::string)
     WHERE NOT coalesce(r._trueup_deleted, false);
