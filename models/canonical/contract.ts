import { defineModel } from "../define.js";
import { XREF_MAPPING, fxJoin, reportingCurrencyColumn, reportingRate } from "./sql.js";

/**
 * CRM closed-won opportunities (conformed.crm_opportunity, of whichever CRMs fill the role) with
 * the billing subscription (conformed.billing_subscription) they were sold as: by the opportunity the subscription's metadata
 * names (`salesforce_opportunity_id`, `hubspot_deal_id`), else the same customer with a
 * subscription starting on the contract start date. ACV and the subscription's annualized amount
 * (Σ unit price × quantity × periods a year) side by side, in the original and reporting currency.
 */
export const contract = defineModel({
  name: "contract",
  materialized: "table",
  uniqueKey: ["contract_id"],
  tags: ["finance", "cs"],
  description:
    "One row per closed-won CRM opportunity, with its billing subscription, ACV, annualized subscription amount, term and support tier.",
  columns: {
    contract_id: { description: "The CRM opportunity (deal) id.", tests: ["not_null"] },
    customer_id: { description: "Canonical customer." },
    crm_system: { description: "The CRM the opportunity is in (salesforce, hubspot, …)." },
    crm_account_id: { description: "The opportunity's account in that CRM." },
    salesforce_account_id: { description: "crm_account_id when the CRM is Salesforce, else NULL." },
    billing_system: { description: "The billing system of the subscription (stripe, …; see roles.billing)." },
    subscription_id: { description: "The billing subscription it was sold as, when found." },
    match_method: { description: "opportunity_id, customer_start_date, or NULL." },
    acv: { description: "Opportunity Amount (annual contract value), in currency." },
    currency: { description: "Opportunity currency." },
    subscription_annual_amount: {
      description: "Subscription amount per year, major units, in subscription_currency.",
    },
    acv_reporting: {
      description: "ACV in the reporting currency (fx.reportingCurrency) at the rate of the start date.",
    },
    subscription_annual_reporting: {
      description: "Annualized subscription amount in the reporting currency, at the same rate date.",
    },
    reporting_currency: { description: "The reporting currency the *_reporting columns are in." },
    start_date: {
      description: "Contract start (Salesforce Contract_Start_Date__c, HubSpot contract_start_date).",
    },
    end_date: { description: "Contract end (Contract_End_Date__c, contract_end_date)." },
    term_months: { description: "Months between start and end." },
    support_tier: {
      description: "Support tier sold (Support_Tier__c, support_tier): none, standard or premium.",
    },
    is_active: { description: "Started on or before as-of and not ended; subscription not canceled." },
  },
  sql: (ctx) => {
    const xref = ctx.ref("customer_xref", XREF_MAPPING);
    const asOf = ctx.d.timestamp(ctx.asOf);
    return `
    WITH opp AS (
      SELECT o.opportunity_id AS id, o.system, o.account_id, o.amount AS acv, o.currency, o.start_date, o.end_date,
             o.support_tier, o.close_date, x.customer_id
        FROM ${ctx.ref("conformed.crm_opportunity")} o
        LEFT JOIN ${xref} x ON x.system = o.system AND x.record_id = o.account_id
       WHERE o.is_won
    ),
    sub AS (
      SELECT s.system, s.subscription_id AS id, s.status, s.opportunity_id, s.currency, s.start_date, s.canceled_at,
             s.annual_amount, x.customer_id
        FROM ${ctx.ref("conformed.billing_subscription")} s
        LEFT JOIN ${xref} x ON x.system = s.system AND x.record_id = s.customer_id
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
           round(o.acv * ${reportingRate(ctx, "fa", "o.currency", "coalesce(o.start_date, o.close_date)")}, 2) AS acv_reporting,
           round(s.annual_amount * ${reportingRate(ctx, "fs", "s.currency", "coalesce(o.start_date, o.close_date)")}, 2) AS subscription_annual_reporting,
           ${reportingCurrencyColumn(ctx)},
           o.start_date, o.end_date,
           CASE WHEN o.start_date IS NOT NULL AND o.end_date IS NOT NULL
                THEN ${ctx.d.monthsBetween("o.start_date", "o.end_date")} END AS term_months,
           o.support_tier,
           (o.start_date <= CAST(${asOf} AS date) AND (o.end_date IS NULL OR o.end_date >= CAST(${asOf} AS date))
             AND coalesce(s.status, 'active') NOT IN ('canceled', 'incomplete_expired')) AS is_active,
           (o.start_date <= CAST(${asOf} AS date)) AS is_started
      FROM opp o
      LEFT JOIN matches m ON m.opp_id = o.id
      LEFT JOIN sub s ON s.id = m.sub_id
      ${fxJoin(ctx, "fa", "o.currency", "coalesce(o.start_date, o.close_date)")}
      ${fxJoin(ctx, "fs", "s.currency", "coalesce(o.start_date, o.close_date)")}`;
  },
});
