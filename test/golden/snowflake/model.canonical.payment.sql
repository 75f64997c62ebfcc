-- canonical.payment (table): Billing charges and ERP payments side by side, one row per charge and per unmatched ERP payment.
CREATE OR REPLACE TABLE "canonical"."payment" AS
WITH billing AS (
      SELECT p.system, p.payment_id AS id, p.currency, p.amount, p.refunded, p.paid_at, p.invoice_id, x.customer_id
        FROM "conformed"."billing_payment" p
        LEFT JOIN "canonical"."customer_xref" x ON x.system = p.system AND x.record_id = p.customer_id
       WHERE p.status = 'succeeded'
    ),
    erp AS (
      SELECT e.system, e.payment_id AS erp_id, e.currency, e.amount, e.payment_date AS erp_date, e.external_id, x.customer_id
        FROM "conformed"."erp_payment" e
        LEFT JOIN "canonical"."customer_xref" x ON x.system = e.system AND x.record_id = e.customer_id
    ),
    erp_ledger AS (
      SELECT entity, min(system) AS system FROM "conformed"."erp_customer" WHERE entity IS NOT NULL GROUP BY entity
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
          FROM m2cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.id = c.id) AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.system = c.system AND m2_r1.erp_id = c.erp_id)
      ) z WHERE rb = 1 AND re = 1
    ),
    m2_r3 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m2cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.id = c.id) AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.system = c.system AND m2_r1.erp_id = c.erp_id) AND NOT EXISTS (SELECT 1 FROM m2_r2 WHERE m2_r2.id = c.id) AND NOT EXISTS (SELECT 1 FROM m2_r2 WHERE m2_r2.system = c.system AND m2_r2.erp_id = c.erp_id)
      ) z WHERE rb = 1 AND re = 1
    ),
    m2_r4 AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM m2cand c WHERE TRUE AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.id = c.id) AND NOT EXISTS (SELECT 1 FROM m2_r1 WHERE m2_r1.system = c.system AND m2_r1.erp_id = c.erp_id) AND NOT EXISTS (SELECT 1 FROM m2_r2 WHERE m2_r2.id = c.id) AND NOT EXISTS (SELECT 1 FROM m2_r2 WHERE m2_r2.system = c.system AND m2_r2.erp_id = c.erp_id) AND NOT EXISTS (SELECT 1 FROM m2_r3 WHERE m2_r3.id = c.id) AND NOT EXISTS (SELECT 1 FROM m2_r3 WHERE m2_r3.system = c.system AND m2_r3.erp_id = c.erp_id)
      ) z WHERE rb = 1 AND re = 1
    ),
    m2 AS (SELECT id, system, erp_id, 'customer_amount_date' AS method FROM (SELECT id, system, erp_id FROM m2_r1 UNION ALL SELECT id, system, erp_id FROM m2_r2 UNION ALL SELECT id, system, erp_id FROM m2_r3 UNION ALL SELECT id, system, erp_id FROM m2_r4) u),
    matches AS (SELECT id, system, erp_id, method FROM m1 UNION ALL SELECT id, system, erp_id, method FROM m2),
    paired AS (
      SELECT b.system || ':' || b.id AS payment_key, coalesce(b.customer_id, e.customer_id) AS customer_id,
             b.system AS billing_system, b.id AS billing_payment_id, b.invoice_id AS billing_invoice_id, b.currency AS billing_currency, b.amount AS billing_amount, b.refunded AS billing_refunded,
             b.paid_at AS billing_paid_at, e.system AS erp_system, e.erp_id AS erp_payment_id, e.currency AS erp_currency,
             e.amount AS erp_amount, e.erp_date, m.method AS match_method,
             coalesce(b.currency, e.currency) AS currency, coalesce(CAST(b.paid_at AS date), e.erp_date) AS payment_date,
             coalesce(b.amount, e.amount) AS amount
        FROM billing b LEFT JOIN matches m ON m.id = b.id LEFT JOIN erp e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.system, e.erp_id, e.currency,
             e.amount, e.erp_date, NULL, e.currency, e.erp_date, e.amount
        FROM erp e WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, CASE WHEN p.billing_system = 'stripe' THEN p.billing_payment_id END AS stripe_charge_id,
           CASE WHEN p.billing_system = 'stripe' THEN p.billing_invoice_id END AS stripe_invoice_id,
           c.entity, l.system AS erp_expected_system, round(p.amount * CASE WHEN upper(p.currency) = 'USD' THEN 1 ELSE COALESCE(fx.usd_per_unit, (SELECT MAX_BY(r.usd_per_unit, r.rate_date) FROM "canonical"."fx_rate" r
            WHERE r.currency = upper(p.currency) AND r.rate_date <= CAST(p.payment_date AS date))) END, 2) AS amount_reporting,
           CAST('USD' AS varchar) AS reporting_currency
      FROM paired p
      LEFT JOIN "canonical"."customer" c ON c.customer_id = p.customer_id
      LEFT JOIN erp_ledger l ON l.entity = c.entity
      LEFT JOIN "canonical"."fx_rate" fx ON fx.currency = upper(p.currency) AND fx.rate_date = CAST(p.payment_date AS date);
