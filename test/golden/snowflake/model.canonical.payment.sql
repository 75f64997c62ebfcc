-- canonical.payment (table): Billing charges and ERP payments side by side, one row per charge and per unmatched ERP payment.
CREATE OR REPLACE TABLE "canonical"."payment" AS
WITH invoice_payment AS (
      -- From API version 2025-03-31.basil a charge no longer names its invoice: the invoice's paid
      -- invoice_payment names the charge, or the payment intent the charge belongs to (ch_/pi_ ids
      -- never collide, so one key column holds both).
      SELECT coalesce((p._trueup_payload:"payment":"charge"::string), (p._trueup_payload:"payment":"payment_intent"::string)) AS paid_by,
             min((p._trueup_payload:"invoice"::string)) AS invoice_id
        FROM "staging"."stripe__invoice_payments" p
       WHERE NOT coalesce(p._trueup_deleted, false) AND (p._trueup_payload:"status"::string) = 'paid'
       GROUP BY coalesce((p._trueup_payload:"payment":"charge"::string), (p._trueup_payload:"payment":"payment_intent"::string))
    ),
    billing AS (
      SELECT ch.id, upper((ch._trueup_payload:"currency"::string)) AS currency, (CASE WHEN upper((ch._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST((ch._trueup_payload:"amount"::string) AS number(38,10))
    WHEN upper((ch._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST((ch._trueup_payload:"amount"::string) AS number(38,10)) / 1000
    ELSE CAST((ch._trueup_payload:"amount"::string) AS number(38,10)) / 100 END) AS amount,
             (CASE WHEN upper((ch._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST(coalesce((ch._trueup_payload:"amount_refunded"::string), '0') AS number(38,10))
    WHEN upper((ch._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST(coalesce((ch._trueup_payload:"amount_refunded"::string), '0') AS number(38,10)) / 1000
    ELSE CAST(coalesce((ch._trueup_payload:"amount_refunded"::string), '0') AS number(38,10)) / 100 END) AS refunded,
             CASE WHEN (ch._trueup_payload:"created"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((ch._trueup_payload:"created"::string) AS number(38,0))) END AS paid_at,
             coalesce((ch._trueup_payload:"invoice"::string), ip_charge.invoice_id, ip_intent.invoice_id) AS stripe_invoice_id, x.customer_id
        FROM "staging"."stripe__charges" ch
        LEFT JOIN "canonical"."customer_xref" x ON x.system = 'stripe' AND x.record_id = (ch._trueup_payload:"customer"::string)
        LEFT JOIN invoice_payment ip_charge ON ip_charge.paid_by = ch.id
        LEFT JOIN invoice_payment ip_intent ON ip_intent.paid_by = (ch._trueup_payload:"payment_intent"::string)
       WHERE NOT coalesce(ch._trueup_deleted, false) AND (ch._trueup_payload:"status"::string) = 'succeeded'
    ),
    ns_cur AS (SELECT c.id, upper((c._trueup_payload:"symbol"::string)) AS code FROM "staging"."netsuite__currency" c WHERE NOT coalesce(c._trueup_deleted, false)),
    erp AS (
      SELECT 'netsuite' AS system, t.id AS erp_id, coalesce(cur.code, upper((t._trueup_payload:"currency"::string))) AS currency,
             CAST(t.foreigntotal AS number(38,10)) AS amount, CAST(t.trandate AS date) AS erp_date,
             NULLIF((t._trueup_payload:"externalid"::string), '') AS external_id, x.customer_id
        FROM "staging"."netsuite__transaction" t
        LEFT JOIN ns_cur cur ON cur.id = (t._trueup_payload:"currency"::string)
        LEFT JOIN "canonical"."customer_xref" x ON x.system = 'netsuite' AND x.record_id = (t._trueup_payload:"entity"::string)
       WHERE NOT coalesce(t._trueup_deleted, false) AND (t._trueup_payload:"type"::string) = 'CustPymt'
      UNION ALL
      SELECT 'erp_file', p.payment_no, upper(p.currency), CAST(p.amount AS number(38,10)), CAST(p.payment_date AS date),
             NULLIF(p.billing_ref, ''), x.customer_id
        FROM "staging"."erp_files__payments" p
        LEFT JOIN "canonical"."customer_xref" x ON x.system = 'erp_file' AND x.record_id = p.customer_no
       WHERE NOT coalesce(p._trueup_deleted, false)
    ),
    m1 AS (
      SELECT * FROM (
        SELECT b.id, e.system, e.erp_id, 'external_id' AS method,
               row_number() OVER (PARTITION BY b.id ORDER BY e.erp_id) AS rb,
               row_number() OVER (PARTITION BY e.system, e.erp_id ORDER BY b.id) AS re
          FROM billing b JOIN erp e ON e.external_id = b.id
      ) z WHERE rb = 1 AND re = 1
    ),
    m2cand AS (
      SELECT b.id, e.system, e.erp_id, abs(DATEDIFF('day', b.paid_at, e.erp_date)) AS gap
        FROM billing b JOIN erp e
          ON e.customer_id = b.customer_id AND e.currency = b.currency AND abs(e.amount - b.amount) <= 0.01
         AND abs(DATEDIFF('day', b.paid_at, e.erp_date)) <= 6
       WHERE e.external_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM m1 WHERE m1.id = b.id)
         AND NOT EXISTS (SELECT 1 FROM m1 WHERE m1.system = e.system AND m1.erp_id = e.erp_id)
    ),
    m2_r1 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m2cand c WHERE TRUE 
      ) z WHERE rb = 1 AND re = 1
    ),
    m2_r2 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m2cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.id = c.id OR (m2_r1.system = c.system AND m2_r1.erp_id = c.erp_id))
      ) z WHERE rb = 1 AND re = 1
    ),
    m2_r3 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m2cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.id = c.id OR (m2_r1.system = c.system AND m2_r1.erp_id = c.erp_id)) AND NOT EXISTS (SELECT 1 FROM m2_r2 WHERE m2_r2.id = c.id OR (m2_r2.system = c.system AND m2_r2.erp_id = c.erp_id))
      ) z WHERE rb = 1 AND re = 1
    ),
    m2_r4 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m2cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.id = c.id OR (m2_r1.system = c.system AND m2_r1.erp_id = c.erp_id)) AND NOT EXISTS (SELECT 1 FROM m2_r2 WHERE m2_r2.id = c.id OR (m2_r2.system = c.system AND m2_r2.erp_id = c.erp_id)) AND NOT EXISTS (SELECT 1 FROM m2_r3 WHERE m2_r3.id = c.id OR (m2_r3.system = c.system AND m2_r3.erp_id = c.erp_id))
      ) z WHERE rb = 1 AND re = 1
    ),
    m2 AS (SELECT id, system, erp_id, 'customer_amount_date' AS method FROM (SELECT id, system, erp_id FROM m2_r1 UNION ALL SELECT id, system, erp_id FROM m2_r2 UNION ALL SELECT id, system, erp_id FROM m2_r3 UNION ALL SELECT id, system, erp_id FROM m2_r4) u),
    matches AS (SELECT id, system, erp_id, method FROM m1 UNION ALL SELECT id, system, erp_id, method FROM m2),
    paired AS (
      SELECT 'stripe:' || b.id AS payment_key, coalesce(b.customer_id, e.customer_id) AS customer_id, b.id AS stripe_charge_id,
             b.stripe_invoice_id, b.currency AS billing_currency, b.amount AS billing_amount, b.refunded AS billing_refunded,
             b.paid_at AS billing_paid_at, e.system AS erp_system, e.erp_id AS erp_payment_id, e.currency AS erp_currency,
             e.amount AS erp_amount, e.erp_date, m.method AS match_method,
             coalesce(b.currency, e.currency) AS currency, coalesce(CAST(b.paid_at AS date), e.erp_date) AS payment_date,
             coalesce(b.amount, e.amount) AS amount
        FROM billing b LEFT JOIN matches m ON m.id = b.id LEFT JOIN erp e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, e.system, e.erp_id, e.currency,
             e.amount, e.erp_date, NULL, e.currency, e.erp_date, e.amount
        FROM erp e WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, c.entity, round(p.amount * CASE WHEN upper(p.currency) = 'USD' THEN 1 ELSE COALESCE(fx.usd_per_unit, (SELECT MAX_BY(r.usd_per_unit, r.rate_date) FROM "canonical"."fx_rate" r
            WHERE r.currency = upper(p.currency) AND r.rate_date <= CAST(p.payment_date AS date))) END, 2) AS amount_reporting,
           CAST('USD' AS varchar) AS reporting_currency
      FROM paired p
      LEFT JOIN "canonical"."customer" c ON c.customer_id = p.customer_id
      LEFT JOIN "canonical"."fx_rate" fx ON fx.currency = upper(p.currency) AND fx.rate_date = CAST(p.payment_date AS date);
