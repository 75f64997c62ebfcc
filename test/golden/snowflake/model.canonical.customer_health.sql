-- canonical.customer_health (table): Billing status, overdue amount, last payment, ARR, ticket load and a 0-100 health score per customer, as of the run.
CREATE OR REPLACE TABLE "canonical"."customer_health" AS
WITH overdue AS (
      SELECT customer_id, sum(amount_reporting) AS amount, max(CAST(TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z') AS date) - CAST(billing_due_at AS date)) AS days
        FROM "canonical"."invoice"
       WHERE billing_status = 'open' AND billing_due_at IS NOT NULL AND billing_due_at < TO_TIMESTAMP_TZ('2026-11-22T00:00:00Z')
       GROUP BY customer_id
    ),
    pay AS (SELECT customer_id, max(CAST(billing_paid_at AS date)) AS last_payment FROM "canonical"."payment" WHERE billing_payment_id IS NOT NULL GROUP BY customer_id),
    arr AS (
      SELECT customer_id, sum(CASE WHEN is_active THEN coalesce(subscription_annual_reporting, acv_reporting) END) AS arr,
             count(CASE WHEN is_active THEN 1 END) AS active, count(*) AS contracts
        FROM "canonical"."contract" GROUP BY customer_id
    ),
    tickets AS (
      -- Tickets of the customer's organization in each support system (not of its duplicates).
      SELECT x.customer_id,
             count(CASE WHEN t.status IN ('new', 'open', 'pending', 'hold') THEN 1 END) AS open_tickets,
             count(CASE WHEN t.status IN ('new', 'open', 'pending', 'hold') AND t.priority = 'urgent' THEN 1 END) AS urgent
        FROM "conformed"."support_ticket" t
        JOIN "canonical"."customer_xref" x ON x.system = t.system AND x.record_id = t.organization_id AND NOT x.is_duplicate
       GROUP BY x.customer_id
    ),
    base AS (
      SELECT c.customer_id, c.salesforce_account_id, c.hubspot_company_id, c.crm_system, c.crm_account_id,
             c.zendesk_organization_id, c.stripe_customer_id, c.entity,
             CASE WHEN c.billing_customer_id IS NULL THEN 'no_billing'
                  WHEN coalesce(o.amount, 0) > 0 THEN 'overdue'
                  WHEN coalesce(a.contracts, 0) > 0 AND coalesce(a.active, 0) = 0 THEN 'churned'
                  ELSE 'current' END AS billing_status,
             round(coalesce(o.amount, 0), 2) AS overdue_amount_reporting, coalesce(o.days, 0) AS days_past_due,
             p.last_payment AS last_payment_date, round(coalesce(a.arr, 0), 2) AS arr_reporting, CAST('USD' AS varchar) AS reporting_currency,
             coalesce(t.open_tickets, 0) AS open_tickets, coalesce(t.urgent, 0) AS urgent_tickets,
             coalesce(a.active, 0) AS active_contracts
        FROM "canonical"."customer" c
        LEFT JOIN overdue o ON o.customer_id = c.customer_id
        LEFT JOIN pay p ON p.customer_id = c.customer_id
        LEFT JOIN arr a ON a.customer_id = c.customer_id
        LEFT JOIN tickets t ON t.customer_id = c.customer_id
    )
    SELECT b.*,
           CAST(greatest(0, least(100, round(100
             - CASE WHEN b.overdue_amount_reporting > 0 THEN 30 ELSE 0 END
             - least(20, b.days_past_due / 3.0)
             - least(20, 5 * b.open_tickets)
             - least(20, 10 * b.urgent_tickets)
             - CASE WHEN b.active_contracts = 0 THEN 25 ELSE 0 END))) AS integer) AS health_score
      FROM base b;
