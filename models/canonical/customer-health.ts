import { defineModel } from "../define.js";
import { XREF_MAPPING_NOT_DUPLICATE, reportingCurrencyColumn } from "./sql.js";

/** The columns of `customer` the health model reads: its ids, not its names (see `ref`'s `columns`). */
const HEALTH_CUSTOMER = {
  columns: [
    "customer_id",
    "salesforce_account_id",
    "hubspot_company_id",
    "crm_system",
    "crm_account_id",
    "zendesk_organization_id",
    "stripe_customer_id",
    "entity",
    "billing_customer_id",
  ],
};

/**
 * What customer success sees on the CRM account and the support organization.
 *
 * health_score (0–100), documented in docs/models.md:
 *   100
 *   − 30 when any billing invoice is past due
 *   − days past due / 3, at most 20
 *   − 5 per open ticket, at most 20
 *   − 10 per open urgent ticket, at most 20
 *   − 25 when the customer has no active contract
 *   clamped to 0…100 and rounded.
 */
export const customerHealth = defineModel({
  name: "customer_health",
  materialized: "table",
  uniqueKey: ["customer_id"],
  tags: ["cs", "finance"],
  description:
    "Billing status, overdue amount, last payment, ARR, ticket load and a 0-100 health score per customer, as of the run.",
  columns: {
    customer_id: { description: "Canonical customer.", tests: ["not_null", "unique"] },
    billing_status: {
      description:
        "current, overdue (a billing invoice past due), churned (contracts, none active) or no_billing.",
      tests: [{ accepted_values: ["current", "overdue", "churned", "no_billing"] }],
    },
    overdue_amount_reporting: {
      description: "Open billing invoices past their due date, in the reporting currency.",
    },
    days_past_due: { description: "Days since the oldest unpaid due date (0 when none)." },
    last_payment_date: { description: "Date of the latest succeeded billing payment (charge)." },
    arr_reporting: {
      description:
        "Annual recurring revenue in the reporting currency: active contracts' annualized subscription (ACV when no subscription).",
    },
    reporting_currency: {
      description: "The reporting currency (fx.reportingCurrency) of the *_reporting columns.",
    },
    open_tickets: { description: "Support tickets new, open, pending or on hold." },
    urgent_tickets: { description: "Open tickets with priority urgent." },
    health_score: { description: "0-100, see docs/models.md for the formula." },
  },
  sql: (ctx) => {
    const asOf = ctx.d.timestamp(ctx.asOf);
    return `
    WITH overdue AS (
      SELECT customer_id, sum(amount_reporting) AS amount, max(CAST(${asOf} AS date) - CAST(billing_due_at AS date)) AS days
        FROM ${ctx.ref("invoice")}
       WHERE billing_status = 'open' AND billing_due_at IS NOT NULL AND billing_due_at < ${asOf}
       GROUP BY customer_id
    ),
    pay AS (SELECT customer_id, max(CAST(billing_paid_at AS date)) AS last_payment FROM ${ctx.ref("payment")} WHERE billing_payment_id IS NOT NULL GROUP BY customer_id),
    arr AS (
      SELECT customer_id, sum(CASE WHEN is_active THEN coalesce(subscription_annual_reporting, acv_reporting) END) AS arr,
             count(CASE WHEN is_active THEN 1 END) AS active, count(*) AS contracts
        FROM ${ctx.ref("contract")} GROUP BY customer_id
    ),
    tickets AS (
      -- Tickets of the customer's organization in each support system (not of its duplicates).
      SELECT x.customer_id,
             count(CASE WHEN t.status IN ('new', 'open', 'pending', 'hold') THEN 1 END) AS open_tickets,
             count(CASE WHEN t.status IN ('new', 'open', 'pending', 'hold') AND t.priority = 'urgent' THEN 1 END) AS urgent
        FROM ${ctx.ref("conformed.support_ticket")} t
        JOIN ${ctx.ref("customer_xref", XREF_MAPPING_NOT_DUPLICATE)} x ON x.system = t.system AND x.record_id = t.organization_id AND NOT x.is_duplicate
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
             p.last_payment AS last_payment_date, round(coalesce(a.arr, 0), 2) AS arr_reporting, ${reportingCurrencyColumn(ctx)},
             coalesce(t.open_tickets, 0) AS open_tickets, coalesce(t.urgent, 0) AS urgent_tickets,
             coalesce(a.active, 0) AS active_contracts
        FROM ${ctx.ref("customer", HEALTH_CUSTOMER)} c
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
      FROM base b`;
  },
});

/**
 * Zendesk organizations whose support tier disagrees with the customer's active contract: the
 * input of the approval-gated correction sync (and of the entitlement_mismatch rule).
 */
export const supportTierCorrections = defineModel({
  name: "support_tier_corrections",
  materialized: "view",
  tags: ["cs"],
  description:
    "Support organizations whose support tier differs from the tier of the customer's active contract ('none' without one).",
  columns: {
    zendesk_organization_id: { description: "Support organization to correct (its id in support_system)." },
    support_system: {
      description: "The support system of the organization (zendesk, …; see roles.support).",
    },
    current_support_tier: {
      description: "Tier in the support system (Zendesk organization_fields.support_tier).",
    },
    contract_support_tier: { description: "Tier of the active contract (latest start), or none." },
  },
  sql: (ctx) => `
    WITH active AS (
      SELECT customer_id, support_tier, contract_id,
             row_number() OVER (PARTITION BY customer_id ORDER BY start_date DESC NULLS LAST, contract_id) AS r
        FROM ${ctx.ref("contract")} WHERE is_active
    )
    SELECT c.customer_id, x.record_id AS zendesk_organization_id,
           o.support_tier AS current_support_tier,
           coalesce(a.support_tier, 'none') AS contract_support_tier, a.contract_id, o.system AS support_system
      FROM ${ctx.ref("customer_xref", XREF_MAPPING_NOT_DUPLICATE)} x
      JOIN ${ctx.ref("customer", { columns: ["customer_id"] })} c ON c.customer_id = x.customer_id
      JOIN ${ctx.ref("conformed.support_organization")} o ON o.system = x.system AND o.organization_id = x.record_id
      LEFT JOIN active a ON a.customer_id = c.customer_id AND a.r = 1
     WHERE NOT x.is_duplicate
       AND coalesce(o.support_tier, 'none') <> coalesce(a.support_tier, 'none')`,
});
