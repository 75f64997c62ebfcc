-- canonical.invoice (table): Billing and ERP invoices side by side, one row per billing invoice and per unmatched ERP invoice, with how they were matched.
CREATE OR REPLACE TABLE "canonical"."invoice" AS
WITH billing_c AS (
      SELECT b.system, b.invoice_id AS id, b.number, b.status, b.currency, b.amount, b.finalized_at, b.paid_at, b.due_at,
             b.created_at, b.subscription_id, b.finalized_at AS billed_at, x.customer_id
        FROM "conformed"."billing_invoice" b
        LEFT JOIN "canonical"."customer_xref" x ON x.system = b.system AND x.record_id = b.customer_id
       WHERE b.finalized_at IS NOT NULL
    ),
    erp_c AS (
      SELECT e.system, e.invoice_id AS erp_id, e.number, e.status, e.currency, e.amount, e.invoice_date AS erp_date,
             e.due_date, e.external_id, e.memo, x.customer_id
        FROM "conformed"."erp_invoice" e
        LEFT JOIN "canonical"."customer_xref" x ON x.system = e.system AND x.record_id = e.customer_id
    ),
    erp_ledger AS (
      SELECT entity, min(system) AS system FROM "conformed"."erp_customer" WHERE entity IS NOT NULL GROUP BY entity
    ),
    m1 AS (
      SELECT b.id, e.system, e.erp_id, 'external_id' AS method, 1 AS prio FROM billing_c b JOIN erp_c e ON e.external_id = b.id
    ),
    memo_words AS (
      SELECT e.system, e.erp_id, CAST(w.value AS text) AS word FROM erp_c e, TABLE(FLATTEN(input => REGEXP_SUBSTR_ALL(coalesce(e.memo, ''), '[^[:space:],;:#()]+'))) w
       WHERE e.external_id IS NULL AND e.memo IS NOT NULL AND CAST(w.value AS text) <> ''
    ),
    m2 AS (
      SELECT b.id, mw.system, mw.erp_id, 'memo_number' AS method, 2 AS prio FROM billing_c b JOIN memo_words mw ON mw.word = b.number
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
        FROM billing_c b JOIN erp_c e
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
      SELECT b.system || ':' || b.id AS invoice_key, coalesce(b.customer_id, e.customer_id) AS customer_id,
             b.system AS billing_system, b.id AS billing_invoice_id, b.number AS billing_invoice_number, b.status AS billing_status, b.currency AS billing_currency,
             b.amount AS billing_amount, b.finalized_at AS billing_finalized_at, b.paid_at AS billing_paid_at, b.due_at AS billing_due_at,
             b.subscription_id,
             e.system AS erp_system, e.erp_id AS erp_invoice_id, e.number AS erp_number, e.status AS erp_status,
             e.currency AS erp_currency, e.amount AS erp_amount, e.erp_date, e.due_date AS erp_due_date, m.method AS match_method,
             coalesce(b.currency, e.currency) AS currency, coalesce(CAST(b.finalized_at AS date), e.erp_date) AS invoice_date,
             coalesce(b.amount, e.amount) AS amount
        FROM billing_c b
        LEFT JOIN matches m ON m.id = b.id
        LEFT JOIN erp_c e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             e.system, e.erp_id, e.number, e.status, e.currency, e.amount, e.erp_date, e.due_date, NULL,
             e.currency, e.erp_date, e.amount
        FROM erp_c e
       WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, CASE WHEN p.billing_system = 'stripe' THEN p.billing_invoice_id END AS stripe_invoice_id,
           CASE WHEN p.billing_system = 'stripe' THEN p.billing_invoice_number END AS stripe_invoice_number,
           c.entity, l.system AS erp_expected_system, round(p.amount * CASE WHEN upper(p.currency) = 'USD' THEN 1 ELSE COALESCE(fx.usd_per_unit, (SELECT MAX_BY(r.usd_per_unit, r.rate_date) FROM "canonical"."fx_rate" r
            WHERE r.currency = upper(p.currency) AND r.rate_date <= CAST(p.invoice_date AS date))) END, 2) AS amount_reporting,
           CAST('USD' AS varchar) AS reporting_currency
      FROM paired p
      LEFT JOIN "canonical"."customer" c ON c.customer_id = p.customer_id
      LEFT JOIN erp_ledger l ON l.entity = c.entity
      LEFT JOIN "canonical"."fx_rate" fx ON fx.currency = upper(p.currency) AND fx.rate_date = CAST(p.invoice_date AS date);
