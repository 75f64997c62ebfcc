-- canonical.refund (table): Stripe refunds and ERP refund postings side by side, one row per succeeded refund and per unmatched ERP refund, with how they were matched.
CREATE OR REPLACE TABLE "canonical"."refund" AS
WITH billing AS (
      SELECT s.id, CAST(NULL AS varchar) AS number, upper((s._trueup_payload:"currency"::string)) AS currency,
             (CASE WHEN upper((s._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST((s._trueup_payload:"amount"::string) AS number(38,10))
    WHEN upper((s._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST((s._trueup_payload:"amount"::string) AS number(38,10)) / 1000
    ELSE CAST((s._trueup_payload:"amount"::string) AS number(38,10)) / 100 END) AS amount,
             CASE WHEN (s._trueup_payload:"created"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((s._trueup_payload:"created"::string) AS number(38,0))) END AS billed_at, (s._trueup_payload:"charge"::string) AS parent_id, x.customer_id
        FROM "staging"."stripe__refunds" s
        LEFT JOIN "staging"."stripe__charges" ch ON ch.id = (s._trueup_payload:"charge"::string)
        LEFT JOIN "canonical"."customer_xref" x ON x.system = 'stripe' AND x.record_id = (ch._trueup_payload:"customer"::string)
       WHERE NOT coalesce(s._trueup_deleted, false) AND (s._trueup_payload:"status"::string) = 'succeeded'
    ),
    ns_cur AS (SELECT c.id, upper((c._trueup_payload:"symbol"::string)) AS code FROM "staging"."netsuite__currency" c WHERE NOT coalesce(c._trueup_deleted, false)),
    erp AS (
      SELECT 'netsuite' AS system, t.id AS erp_id, NULLIF((t._trueup_payload:"externalid"::string), '') AS external_id,
             (t._trueup_payload:"memo"::string) AS memo, x.customer_id, coalesce(cur.code, upper((t._trueup_payload:"currency"::string))) AS currency,
             abs(CAST(t.foreigntotal AS number(38,10))) AS amount, CAST(t.trandate AS date) AS erp_date
        FROM "staging"."netsuite__transaction" t
        LEFT JOIN ns_cur cur ON cur.id = (t._trueup_payload:"currency"::string)
        LEFT JOIN "canonical"."customer_xref" x ON x.system = 'netsuite' AND x.record_id = (t._trueup_payload:"entity"::string)
       WHERE NOT coalesce(t._trueup_deleted, false) AND (t._trueup_payload:"type"::string) = 'CustRfnd'
      UNION ALL
      SELECT 'erp_file', e.credit_no, NULLIF(e.billing_ref, ''), CAST(NULL AS varchar), x.customer_id, upper(e.currency),
             abs(CAST(e.gross_amount AS number(38,10))), CAST(e.credit_date AS date)
        FROM "staging"."erp_files__credits" e
        LEFT JOIN "canonical"."customer_xref" x ON x.system = 'erp_file' AND x.record_id = e.customer_no
       WHERE NOT coalesce(e._trueup_deleted, false) AND lower(e.type) = 'refund'
    ),
    m1 AS (
      SELECT b.id, e.system, e.erp_id, 'external_id' AS method, 1 AS prio FROM billing b JOIN erp e ON e.external_id = b.id
    ),
    memo_words AS (
      SELECT e.system, e.erp_id, CAST(w.value AS text) AS word FROM erp e, TABLE(FLATTEN(input => REGEXP_SUBSTR_ALL(coalesce(e.memo, ''), '[^[:space:],;:#()]+'))) w
       WHERE e.external_id IS NULL AND e.memo IS NOT NULL AND CAST(w.value AS text) <> ''
    ),
    m2 AS (
      SELECT b.id, mw.system, mw.erp_id, 'memo_number' AS method, 2 AS prio FROM billing b JOIN memo_words mw ON mw.word = b.number
    ),
    m12 AS (
      SELECT * FROM (
        SELECT m.*, row_number() OVER (PARTITION BY m.id ORDER BY m.prio, m.erp_id) AS rb,
                    row_number() OVER (PARTITION BY m.system, m.erp_id ORDER BY m.prio, m.id) AS re
          FROM (SELECT * FROM m1 UNION ALL SELECT * FROM m2) m
      ) z WHERE rb = 1 AND re = 1
    ),
    m3cand AS (
      SELECT b.id, e.system, e.erp_id, abs(DATEDIFF('day', b.billed_at, e.erp_date)) AS gap
        FROM billing b JOIN erp e
          ON e.customer_id = b.customer_id AND e.currency = b.currency
         AND abs(e.amount - b.amount) <= 0.01 AND abs(DATEDIFF('day', b.billed_at, e.erp_date)) <= 6
       WHERE e.external_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM m12 WHERE m12.id = b.id)
         AND NOT EXISTS (SELECT 1 FROM m12 WHERE m12.system = e.system AND m12.erp_id = e.erp_id)
    ),
    m3_r1 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m3cand c WHERE TRUE 
      ) z WHERE rb = 1 AND re = 1
    ),
    m3_r2 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m3cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.id = c.id OR (m3_r1.system = c.system AND m3_r1.erp_id = c.erp_id))
      ) z WHERE rb = 1 AND re = 1
    ),
    m3_r3 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m3cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.id = c.id OR (m3_r1.system = c.system AND m3_r1.erp_id = c.erp_id)) AND NOT EXISTS (SELECT 1 FROM m3_r2 WHERE m3_r2.id = c.id OR (m3_r2.system = c.system AND m3_r2.erp_id = c.erp_id))
      ) z WHERE rb = 1 AND re = 1
    ),
    m3_r4 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m3cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.id = c.id OR (m3_r1.system = c.system AND m3_r1.erp_id = c.erp_id)) AND NOT EXISTS (SELECT 1 FROM m3_r2 WHERE m3_r2.id = c.id OR (m3_r2.system = c.system AND m3_r2.erp_id = c.erp_id)) AND NOT EXISTS (SELECT 1 FROM m3_r3 WHERE m3_r3.id = c.id OR (m3_r3.system = c.system AND m3_r3.erp_id = c.erp_id))
      ) z WHERE rb = 1 AND re = 1
    ),
    m3 AS (SELECT id, system, erp_id, 'customer_amount_date' AS method FROM (SELECT id, system, erp_id FROM m3_r1 UNION ALL SELECT id, system, erp_id FROM m3_r2 UNION ALL SELECT id, system, erp_id FROM m3_r3 UNION ALL SELECT id, system, erp_id FROM m3_r4) u),
    matches AS (SELECT id, system, erp_id, method FROM m12 UNION ALL SELECT id, system, erp_id, method FROM m3),
    paired AS (
      SELECT 'stripe:' || b.id AS refund_key, coalesce(b.customer_id, e.customer_id) AS customer_id,
             b.id AS stripe_refund_id, b.number AS stripe_refund_number, b.parent_id AS stripe_charge_id,
             b.currency AS billing_currency, b.amount AS billing_amount, b.billed_at AS billing_created_at,
             e.system AS erp_system, e.erp_id AS erp_refund_id, e.currency AS erp_currency, e.amount AS erp_amount, e.erp_date,
             m.method AS match_method, coalesce(b.currency, e.currency) AS currency,
             coalesce(CAST(b.billed_at AS date), e.erp_date) AS doc_date, coalesce(b.amount, e.amount) AS amount
        FROM billing b LEFT JOIN matches m ON m.id = b.id LEFT JOIN erp e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, e.system, e.erp_id, e.currency,
             e.amount, e.erp_date, NULL, e.currency, e.erp_date, e.amount
        FROM erp e WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, c.entity, round(p.amount * CASE WHEN upper(p.currency) = 'USD' THEN 1 ELSE COALESCE(fx.usd_per_unit, (SELECT MAX_BY(r.usd_per_unit, r.rate_date) FROM "canonical"."fx_rate" r
            WHERE r.currency = upper(p.currency) AND r.rate_date <= CAST(p.doc_date AS date))) END, 2) AS amount_reporting,
           CAST('USD' AS varchar) AS reporting_currency
      FROM paired p
      LEFT JOIN "canonical"."customer" c ON c.customer_id = p.customer_id
      LEFT JOIN "canonical"."fx_rate" fx ON fx.currency = upper(p.currency) AND fx.rate_date = CAST(p.doc_date AS date);
