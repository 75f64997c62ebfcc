import { defineModel } from "../define.js";
import { erpMatches } from "./erp-match.js";
import { field, fromMinor, fxJoin, live, reportingCurrencyColumn, reportingRate, unix } from "./sql.js";

/**
 * Billing invoices (Stripe, finalized) beside ERP invoices (NetSuite CustInvc for the US entity,
 * the legacy ERP's exports for the EU entity), matched in priority order:
 *   external_id           NetSuite externalid / ERP billing_ref = the Stripe invoice id
 *   memo_number           the Stripe invoice number appears as a word in the NetSuite memo
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
      description: "stripe:<id> for billing invoices, else netsuite:<id> or erp_file:<invoice_no>.",
      tests: ["not_null"],
    },
    customer_id: { description: "Canonical customer." },
    entity: { description: "us or eu." },
    stripe_invoice_id: { description: "Stripe invoice id." },
    billing_status: { description: "Stripe status: open, paid, void, uncollectible." },
    billing_currency: { description: "Billing currency (ISO, upper case)." },
    billing_amount: {
      description: "Stripe total in major units (minor units converted by the currency's exponent).",
    },
    billing_finalized_at: { description: "When Stripe finalized the invoice." },
    billing_paid_at: { description: "When Stripe marked it paid." },
    erp_system: { description: "netsuite or erp_file." },
    erp_invoice_id: { description: "NetSuite internal id or legacy invoice number." },
    erp_status: { description: "open, paid or void (NetSuite A/B/V mapped)." },
    erp_currency: { description: "ERP currency (ISO)." },
    erp_amount: { description: "ERP gross total in major units." },
    erp_date: { description: "ERP invoice (posting) date." },
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
    const xref = ctx.ref("customer_xref");
    return `
    WITH billing AS (
      SELECT i.id, ${field(ctx, "i", "number")} AS number, ${field(ctx, "i", "status")} AS status, upper(${field(ctx, "i", "currency")}) AS currency,
             ${fromMinor(ctx, field(ctx, "i", "total"), field(ctx, "i", "currency"))} AS amount,
             ${unix(ctx, field(ctx, "i", "status_transitions", "finalized_at"))} AS finalized_at,
             ${unix(ctx, field(ctx, "i", "status_transitions", "paid_at"))} AS paid_at,
             ${unix(ctx, field(ctx, "i", "due_date"))} AS due_at,
             ${unix(ctx, field(ctx, "i", "created"))} AS created_at,
             ${field(ctx, "i", "customer")} AS stripe_customer,
             coalesce(${field(ctx, "i", "subscription")}, ${field(ctx, "i", "parent", "subscription_details", "subscription")}) AS subscription_id
        FROM ${ctx.source("stripe", "invoices")} i
       WHERE ${live("i")} AND ${field(ctx, "i", "status_transitions", "finalized_at")} IS NOT NULL
    ),
    billing_c AS (
      SELECT b.*, b.finalized_at AS billed_at, x.customer_id FROM billing b LEFT JOIN ${xref} x ON x.system = 'stripe' AND x.record_id = b.stripe_customer
    ),
    ns_cur AS (SELECT c.id, upper(${field(ctx, "c", "symbol")}) AS code FROM ${ctx.source("netsuite", "currency")} c WHERE ${live("c")}),
    erp AS (
      SELECT 'netsuite' AS system, t.id AS erp_id, ${field(ctx, "t", "tranid")} AS number,
             CASE ${field(ctx, "t", "status")} WHEN 'A' THEN 'open' WHEN 'B' THEN 'paid' WHEN 'V' THEN 'void' ELSE lower(${field(ctx, "t", "status")}) END AS status,
             coalesce(cur.code, upper(${field(ctx, "t", "currency")})) AS currency, ${ctx.d.cast("t.foreigntotal", "numeric")} AS amount,
             CAST(t.trandate AS date) AS erp_date, CAST(t.duedate AS date) AS due_date,
             NULLIF(${field(ctx, "t", "externalid")}, '') AS external_id, ${field(ctx, "t", "memo")} AS memo,
             ${field(ctx, "t", "entity")} AS erp_customer, 'netsuite' AS xsystem
        FROM ${ctx.source("netsuite", "transaction")} t
        LEFT JOIN ns_cur cur ON cur.id = ${field(ctx, "t", "currency")}
       WHERE ${live("t")} AND ${field(ctx, "t", "type")} = 'CustInvc'
      UNION ALL
      SELECT 'erp_file', e.invoice_no, e.invoice_no, lower(e.status), upper(e.currency), ${ctx.d.cast("e.gross_amount", "numeric")},
             CAST(e.invoice_date AS date), CAST(e.due_date AS date), NULLIF(e.billing_ref, ''), NULL, e.customer_no, 'erp_file'
        FROM ${ctx.source("erp_files", "invoices")} e
       WHERE ${live("e")}
    ),
    erp_c AS (
      SELECT e.*, x.customer_id FROM erp e LEFT JOIN ${xref} x ON x.system = e.xsystem AND x.record_id = e.erp_customer
    ),
    ${erpMatches(ctx, "billing_c", "erp_c")},
    paired AS (
      SELECT 'stripe:' || b.id AS invoice_key, coalesce(b.customer_id, e.customer_id) AS customer_id,
             b.id AS stripe_invoice_id, b.number AS stripe_invoice_number, b.status AS billing_status, b.currency AS billing_currency,
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
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             e.system, e.erp_id, e.number, e.status, e.currency, e.amount, e.erp_date, e.due_date, NULL,
             e.currency, e.erp_date, e.amount
        FROM erp_c e
       WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, c.entity, round(p.amount * ${reportingRate(ctx, "fx", "p.currency", "p.invoice_date")}, 2) AS amount_reporting,
           ${reportingCurrencyColumn(ctx)}
      FROM paired p
      LEFT JOIN ${ctx.ref("customer")} c ON c.customer_id = p.customer_id
      ${fxJoin(ctx, "fx", "p.currency", "p.invoice_date")}`;
  },
});
