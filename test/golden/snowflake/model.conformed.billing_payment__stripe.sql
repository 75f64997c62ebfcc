-- conformed.billing_payment__stripe (view): stripe records in the shape of conformed.billing_payment.
CREATE OR REPLACE VIEW "conformed"."billing_payment__stripe" AS
WITH invoice_payment AS (
      -- From API version 2025-03-31.basil a charge no longer names its invoice: the invoice's paid
      -- invoice_payment names the charge, or the payment intent the charge belongs to (ch_/pi_ ids
      -- never collide, so one key column holds both).
      SELECT coalesce((p._trueup_payload:"payment":"charge"::string), (p._trueup_payload:"payment":"payment_intent"::string)) AS paid_by, min((p._trueup_payload:"invoice"::string)) AS invoice_id
        FROM "staging"."stripe__invoice_payments" p
       WHERE NOT coalesce(p._trueup_deleted, false) AND (p._trueup_payload:"status"::string) = 'paid'
       GROUP BY coalesce((p._trueup_payload:"payment":"charge"::string), (p._trueup_payload:"payment":"payment_intent"::string))
    )
    SELECT CAST('stripe' AS varchar) AS system, ch.id AS payment_id, (ch._trueup_payload:"customer"::string) AS customer_id,
           coalesce((ch._trueup_payload:"invoice"::string), ip_charge.invoice_id, ip_intent.invoice_id) AS invoice_id, (ch._trueup_payload:"status"::string) AS status,
           upper((ch._trueup_payload:"currency"::string)) AS currency, (CASE WHEN upper((ch._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST((ch._trueup_payload:"amount"::string) AS number(38,10))
    WHEN upper((ch._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST((ch._trueup_payload:"amount"::string) AS number(38,10)) / 1000
    ELSE CAST((ch._trueup_payload:"amount"::string) AS number(38,10)) / 100 END) AS amount,
           (CASE WHEN upper((ch._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST(coalesce((ch._trueup_payload:"amount_refunded"::string), '0') AS number(38,10))
    WHEN upper((ch._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST(coalesce((ch._trueup_payload:"amount_refunded"::string), '0') AS number(38,10)) / 1000
    ELSE CAST(coalesce((ch._trueup_payload:"amount_refunded"::string), '0') AS number(38,10)) / 100 END) AS refunded, CASE WHEN (ch._trueup_payload:"created"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((ch._trueup_payload:"created"::string) AS number(38,0))) END AS paid_at
      FROM "staging"."stripe__charges" ch
      LEFT JOIN invoice_payment ip_charge ON ip_charge.paid_by = ch.id
      LEFT JOIN invoice_payment ip_intent ON ip_intent.paid_by = (ch._trueup_payload:"payment_intent"::string)
     WHERE NOT coalesce(ch._trueup_deleted, false);
