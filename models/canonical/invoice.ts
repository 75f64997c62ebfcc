import { defineModel } from "../define.js";
import { erpLedger, erpMatches } from "./erp-match.js";
import { CUSTOMER_ENTITY, XREF_MAPPING, fxJoin, reportingCurrencyColumn, reportingRate } from "./sql.js";

/**
 * Finalized billing invoices (conformed.billing_invoice) beside ERP invoices (conformed.erp_invoice:
 * NetSuite for the US entity, the legacy ERP's exports for the EU entity), matched in priority order:
 *   external_id           the ERP invoice's external id (NetSuite externalid, ERP billing_ref) = the billing invoice id
 *   memo_number           the billing invoice number appears as a word in the ERP memo
 *   customer_amount_date  same customer, currency and amount (±0.01), dates within the window
 * Each side is used at most once. Unmatched records stay, with the other side NULL.
 */
export const invoice = defineModel({
  name: "invoice",
  materialized: "table",
  uniqueKey: ["invoice_key"],
  tags: ["finance"],
  description:
    "Billing and ERP invoices side by side, one row per billing invoice and per unmatched ERP invoice, with how they were matched.",
  columns: {
    invoice_key: {
      description:
        "<billing system>:<id> (stripe:in_…) for billing invoices, else <erp system>:<id> (netsuite:<id>, erp_file:<invoice_no>).",
      tests: ["not_null"],
    },
    customer_id: { description: "Canonical customer." },
    entity: { description: "us or eu." },
    billing_system: { description: "The billing system of the invoice (stripe, …; see roles.billing)." },
    billing_invoice_id: { description: "The billing invoice id." },
    billing_invoice_number: { description: "The billing invoice number." },
    stripe_invoice_id: { description: "billing_invoice_id when the billing system is Stripe, else NULL." },
    stripe_invoice_number: { description: "billing_invoice_number when the billing system is Stripe." },
    billing_status: { description: "Billing status: open, paid, void, uncollectible." },
    billing_currency: { description: "Billing currency (ISO, upper case)." },
    billing_amount: { description: "Billing total in major units." },
    billing_finalized_at: { description: "When the billing system finalized the invoice." },
    billing_paid_at: { description: "When the billing system marked it paid." },
    erp_system: { description: "netsuite or erp_file." },
    erp_invoice_id: { description: "NetSuite internal id or legacy invoice number." },
    erp_status: { description: "open, paid or void (NetSuite A/B/V mapped)." },
    erp_currency: { description: "ERP currency (ISO)." },
    erp_amount: { description: "ERP gross total in major units." },
    erp_date: { description: "ERP invoice (posting) date." },
    erp_expected_system: {
      description:
        "The ERP keeping the ledger of the customer's entity, where the invoice is expected (NULL when trueup cannot see that ledger).",
    },
    match_method: {
      description: "external_id, memo_number, customer_amount_date, or NULL when unmatched.",
      tests: [{ accepted_values: ["external_id", "memo_number", "customer_amount_date"] }],
    },
    amount_reporting: {
      description: "Invoice amount in the reporting currency (fx.reportingCurrency) at the rate of its date.",
    },
    reporting_currency: { description: "The reporting currency amount_reporting is in." },
  },
  sql: (ctx) => {
    const xref = ctx.ref("customer_xref", XREF_MAPPING);
    return `
    WITH billing_c AS (
      SELECT b.system, b.invoice_id AS id, b.number, b.status, b.currency, b.amount, b.finalized_at, b.paid_at, b.due_at,
             b.created_at, b.subscription_id, b.finalized_at AS billed_at, x.customer_id
        FROM ${ctx.ref("conformed.billing_invoice")} b
        LEFT JOIN ${xref} x ON x.system = b.system AND x.record_id = b.customer_id
       WHERE b.finalized_at IS NOT NULL
    ),
    erp_c AS (
      SELECT e.system, e.invoice_id AS erp_id, e.number, e.status, e.currency, e.amount, e.invoice_date AS erp_date,
             e.due_date, e.external_id, e.memo, x.customer_id
        FROM ${ctx.ref("conformed.erp_invoice")} e
        LEFT JOIN ${xref} x ON x.system = e.system AND x.record_id = e.customer_id
    ),
    ${erpLedger(ctx)},
    ${erpMatches(ctx, "billing_c", "erp_c")},
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
           c.entity, l.system AS erp_expected_system, round(p.amount * ${reportingRate(ctx, "fx", "p.currency", "p.invoice_date")}, 2) AS amount_reporting,
           ${reportingCurrencyColumn(ctx)}
      FROM paired p
      LEFT JOIN ${ctx.ref("customer", CUSTOMER_ENTITY)} c ON c.customer_id = p.customer_id
      LEFT JOIN erp_ledger l ON l.entity = c.entity
      ${fxJoin(ctx, "fx", "p.currency", "p.invoice_date")}`;
  },
});
