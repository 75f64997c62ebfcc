-- canonical.contract (table): One row per closed-won CRM opportunity, with its billing subscription, ACV, annualized subscription amount, term and support tier.
CREATE OR REPLACE TABLE "canonical"."contract" AS
WITH opp AS (
      SELECT o.opportunity_id AS id, o.system, o.account_id, o.amount AS acv, o.currency, o.start_date, o.end_date,
             o.support_tier, o.close_date, x.customer_id
        FROM "conformed"."crm_opportunity" o
        LEFT JOIN "canonical"."customer_xref" x ON x.system = o.system AND x.record_id = o.account_id
       WHERE o.is_won
    ),
    sub AS (
      SELECT s.system, s.subscription_id AS id, s.status, s.opportunity_id, s.currency, s.start_date, s.canceled_at,
             s.annual_amount, x.customer_id
        FROM "conformed"."billing_subscription" s
        LEFT JOIN "canonical"."customer_xref" x ON x.system = s.system AND x.record_id = s.customer_id
    ),
    m1 AS (
      SELECT * FROM (SELECT o.id AS opp_id, s.id AS sub_id, 'opportunity_id' AS method,
                            row_number() OVER (PARTITION BY o.id ORDER BY s.start_date DESC, s.id) AS r
                       FROM opp o JOIN sub s ON s.opportunity_id = o.id) z WHERE r = 1
    ),
    m2 AS (
      SELECT * FROM (SELECT o.id AS opp_id, s.id AS sub_id, 'customer_start_date' AS method,
                            row_number() OVER (PARTITION BY o.id ORDER BY s.id) AS r,
                            row_number() OVER (PARTITION BY s.id ORDER BY o.id) AS r2
                       FROM opp o JOIN sub s ON s.customer_id = o.customer_id AND s.start_date = o.start_date AND s.opportunity_id IS NULL
                      WHERE NOT EXISTS (SELECT 1 FROM m1 WHERE m1.opp_id = o.id)) z WHERE r = 1 AND r2 = 1
    ),
    matches AS (SELECT opp_id, sub_id, method FROM m1 UNION ALL SELECT opp_id, sub_id, method FROM m2)
    SELECT o.id AS contract_id, o.customer_id,
           CASE WHEN o.system = 'salesforce' THEN o.account_id END AS salesforce_account_id, o.system AS crm_system,
           o.account_id AS crm_account_id, s.system AS billing_system, s.id AS subscription_id, m.method AS match_method,
           o.acv, o.currency, s.annual_amount AS subscription_annual_amount, s.currency AS subscription_currency, s.status AS subscription_status,
           round(o.acv * CASE WHEN upper(o.currency) = 'USD' THEN 1 ELSE COALESCE(fa.usd_per_unit, (SELECT MAX_BY(r.usd_per_unit, r.rate_date) FROM "canonical"."fx_rate" r
            WHERE r.currency = upper(o.currency) AND r.rate_date <= CAST(coalesce(o.start_date, o.close_date) AS date))) END, 2) AS acv_reporting,
           round(s.annual_amount * CASE WHEN upper(s.currency) = 'USD' THEN 1 ELSE COALESCE(fs.usd_per_unit, (SELECT MAX_BY(r.usd_per_unit, r.rate_date) FROM "canonical"."fx_rate" r
            WHERE r.currency = upper(s.currency) AND r.rate_date <= CAST(coalesce(o.start_date, o.close_date) AS date))) END, 2) AS subscription_annual_reporting,
           CAST('USD' AS varchar) AS reporting_currency,
           o.start_date, o.end_date,
           CASE WHEN o.start_date IS NOT NULL AND o.end_date IS NOT NULL
                THEN CAST(FLOOR(MONTHS_BETWEEN(o.end_date, o.start_date)) AS integer) END AS term_months,
           o.support_tier,
           (o.start_date <= CAST(TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z') AS date) AND (o.end_date IS NULL OR o.end_date >= CAST(TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z') AS date))
             AND coalesce(s.status, 'active') NOT IN ('canceled', 'incomplete_expired')) AS is_active,
           (o.start_date <= CAST(TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z') AS date)) AS is_started
      FROM opp o
      LEFT JOIN matches m ON m.opp_id = o.id
      LEFT JOIN sub s ON s.id = m.sub_id
      LEFT JOIN "canonical"."fx_rate" fa ON fa.currency = upper(o.currency) AND fa.rate_date = CAST(coalesce(o.start_date, o.close_date) AS date)
      LEFT JOIN "canonical"."fx_rate" fs ON fs.currency = upper(s.currency) AND fs.rate_date = CAST(coalesce(o.start_date, o.close_date) AS date);
