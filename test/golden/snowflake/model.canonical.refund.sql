-- canonical.refund (table): Billing refunds and ERP refund postings side by side, one row per succeeded refund and per unmatched ERP refund, with how they were matched.
CREATE OR REPLACE TABLE "canonical"."refund" AS
WITH billing AS (
      SELECT s.system, s.refund_id AS id, s.number, s.currency, s.amount, s.created_at AS billed_at,
             s.payment_id AS parent_id, x.customer_id
        FROM "conformed"."billing_refund" s
        LEFT JOIN "canonical"."customer_xref" x ON x.system = s.system AND x.record_id = s.customer_id
       WHERE s.status = 'succeeded'
    ),
    erp AS (
      SELECT e.system, e.credit_id AS erp_id, e.external_id, e.memo, x.customer_id, e.currency, e.amount, e.credit_date AS erp_date
        FROM "conformed"."erp_credit" e
        LEFT JOIN "canonical"."customer_xref" x ON x.system = e.system AND x.record_id = e.customer_id
       WHERE e.kind = 'refund'
    ),
    erp_ledger AS (
      SELECT entity, min(system) AS system FROM "conformed"."erp_customer" WHERE entity IS NOT NULL GROUP BY entity
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
          FROM m3cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.id = c.id) AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.system = c.system AND m3_r1.erp_id = c.erp_id)
      ) z WHERE rb = 1 AND re = 1
    ),
    m3_r3 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m3cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.id = c.id) AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.system = c.system AND m3_r1.erp_id = c.erp_id) AND NOT EXISTS (SELECT 1 FROM m3_r2 WHERE m3_r2.id = c.id) AND NOT EXISTS (SELECT 1 FROM m3_r2 WHERE m3_r2.system = c.system AND m3_r2.erp_id = c.erp_id)
      ) z WHERE rb = 1 AND re = 1
    ),
    m3_r4 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m3cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.id = c.id) AND NOT EXISTS (SELECT 1 FROM m3_r1 WHERE m3_r1.system = c.system AND m3_r1.erp_id = c.erp_id) AND NOT EXISTS (SELECT 1 FROM m3_r2 WHERE m3_r2.id = c.id) AND NOT EXISTS (SELECT 1 FROM m3_r2 WHERE m3_r2.system = c.system AND m3_r2.erp_id = c.erp_id) AND NOT EXISTS (SELECT 1 FROM m3_r3 WHERE m3_r3.id = c.id) AND NOT EXISTS (SELECT 1 FROM m3_r3 WHERE m3_r3.system = c.system AND m3_r3.erp_id = c.erp_id)
      ) z WHERE rb = 1 AND re = 1
    ),
    m3 AS (SELECT id, system, erp_id, 'customer_amount_date' AS method FROM (SELECT id, system, erp_id FROM m3_r1 UNION ALL SELECT id, system, erp_id FROM m3_r2 UNION ALL SELECT id, system, erp_id FROM m3_r3 UNION ALL SELECT id, system, erp_id FROM m3_r4) u),
    matches AS (SELECT id, system, erp_id, method FROM m12 UNION ALL SELECT id, system, erp_id, method FROM m3),
    paired AS (
      SELECT b.system || ':' || b.id AS refund_key, coalesce(b.customer_id, e.customer_id) AS customer_id,
             b.system AS billing_system, b.id AS billing_refund_id, b.number AS billing_refund_number, b.parent_id AS billing_payment_id,
             b.currency AS billing_currency, b.amount AS billing_amount, b.billed_at AS billing_created_at,
             e.system AS erp_system, e.erp_id AS erp_refund_id, e.currency AS erp_currency, e.amount AS erp_amount, e.erp_date,
             m.method AS match_method, coalesce(b.currency, e.currency) AS currency,
             coalesce(CAST(b.billed_at AS date), e.erp_date) AS doc_date, coalesce(b.amount, e.amount) AS amount
        FROM billing b LEFT JOIN matches m ON m.id = b.id LEFT JOIN erp e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.system, e.erp_id, e.currency,
             e.amount, e.erp_date, NULL, e.currency, e.erp_date, e.amount
        FROM erp e WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, CASE WHEN p.billing_system = 'stripe' THEN p.billing_refund_id END AS stripe_refund_id,
           CASE WHEN p.billing_system = 'stripe' THEN p.billing_refund_number END AS stripe_refund_number,
           CASE WHEN p.billing_system = 'stripe' THEN p.billing_payment_id END AS stripe_charge_id,
           c.entity, l.system AS erp_expected_system, round(p.amount * CASE WHEN upper(p.currency) = 'USD' THEN 1 ELSE COALESCE(fx.usd_per_unit, (SELECT MAX_BY(r.usd_per_unit, r.rate_date) FROM "canonical"."fx_rate" r
            WHERE r.currency = upper(p.currency) AND r.rate_date <= CAST(p.doc_date AS date))) END, 2) AS amount_reporting,
           CAST('USD' AS varchar) AS reporting_currency
      FROM paired p
      LEFT JOIN "canonical"."customer" c ON c.customer_id = p.customer_id
      LEFT JOIN erp_ledger l ON l.entity = c.entity
      LEFT JOIN "canonical"."fx_rate" fx ON fx.currency = upper(p.currency) AND fx.rate_date = CAST(p.doc_date AS date);
