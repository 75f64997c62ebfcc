-- conformed.billing_credit_note__stripe (view): stripe records in the shape of conformed.billing_credit_note.
CREATE OR REPLACE VIEW "conformed"."billing_credit_note__stripe" AS
SELECT CAST('stripe' AS varchar) AS system, n.id AS credit_note_id, (n._trueup_payload:"invoice"::string) AS invoice_id, (n._trueup_payload:"customer"::string) AS customer_id,
           (n._trueup_payload:"number"::string) AS number, (n._trueup_payload:"status"::string) AS status, upper((n._trueup_payload:"currency"::string)) AS currency, (CASE WHEN upper((n._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST((n._trueup_payload:"amount"::string) AS number(38,10))
    WHEN upper((n._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST((n._trueup_payload:"amount"::string) AS number(38,10)) / 1000
    ELSE CAST((n._trueup_payload:"amount"::string) AS number(38,10)) / 100 END) AS amount,
           CASE WHEN (n._trueup_payload:"created"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((n._trueup_payload:"created"::string) AS number(38,0))) END AS created_at
      FROM "staging"."stripe__credit_notes" n
     WHERE NOT coalesce(n._trueup_deleted, false);
