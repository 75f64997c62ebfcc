import { defineModel } from "../define.js";
import type { ModelContext, ModelDefinition } from "../interfaces.js";
import { erpMatches } from "./erp-match.js";
import { field, fromMinor, fxJoin, live, reportingCurrencyColumn, reportingRate, unix } from "./sql.js";

/** What differs between the two kinds of money going back to a customer. */
interface CreditKind {
  name: "refund" | "credit_note";
  description: string;
  /** Stripe stream and the status a document must have to be owed to the ERP. */
  stream: "refunds" | "credit_notes";
  status: string;
  /** The Stripe document it reduces (charge of a refund, invoice of a credit note). */
  parent: { column: string; field: string; description: string };
  /** NetSuite transaction type, and `type` in the legacy ERP's credits export. */
  netsuiteType: string;
  erpFileType: string;
  /** The Stripe customer of the document (alias `s` is the Stripe record). */
  stripeCustomer: (ctx: ModelContext) => { join: string; customer: string };
  /** The document's number, matched against ERP memos; NULL when Stripe gives it none. */
  number: (ctx: ModelContext) => string;
}

/**
 * Stripe refunds or credit notes beside the ERP postings that record them: NetSuite customer
 * refunds (CustRfnd) or credit memos (CustCred) for the US entity, rows of the legacy ERP's
 * `credits_*.csv` export of type `refund` or `credit_note` for the EU entity. Paired as invoices
 * are (external id, else the number in the NetSuite memo, else customer + currency + amount +
 * date). ERP amounts compare as absolute values: a credit posting may carry its total negative.
 */
function creditModel(kind: CreditKind): ModelDefinition {
  const id = `stripe_${kind.name}_id`;
  const erpId = `erp_${kind.name}_id`;
  return defineModel({
    name: kind.name,
    materialized: "table",
    uniqueKey: [`${kind.name}_key`],
    tags: ["finance"],
    description: kind.description,
    columns: {
      [`${kind.name}_key`]: {
        description: `stripe:<id> for Stripe ${kind.stream.replace("_", " ")}, else netsuite:<id> or erp_file:<credit_no>.`,
        tests: ["not_null"],
      },
      customer_id: { description: "Canonical customer." },
      entity: { description: "us or eu." },
      [id]: { description: `Stripe ${kind.name.replace("_", " ")} id.` },
      [`stripe_${kind.name}_number`]: { description: "Stripe document number (NULL for refunds)." },
      [kind.parent.column]: { description: kind.parent.description },
      billing_currency: { description: "Billing currency (ISO, upper case)." },
      billing_amount: { description: "Stripe amount in major units." },
      billing_created_at: { description: "When Stripe created it." },
      erp_system: { description: "netsuite or erp_file." },
      [erpId]: { description: "NetSuite internal id or the legacy ERP's credit_no." },
      erp_currency: { description: "ERP currency (ISO)." },
      erp_amount: { description: "ERP total in major units, as a positive amount." },
      erp_date: { description: "ERP posting date." },
      match_method: {
        description: "external_id, memo_number, customer_amount_date, or NULL when unmatched.",
        tests: [{ accepted_values: ["external_id", "memo_number", "customer_amount_date"] }],
      },
      amount_reporting: {
        description: "Amount in the reporting currency (fx.reportingCurrency) at the rate of its date.",
      },
      reporting_currency: { description: "The reporting currency amount_reporting is in." },
    },
    sql: (ctx) => {
      const xref = ctx.ref("customer_xref");
      const cust = kind.stripeCustomer(ctx);
      return `
    WITH billing AS (
      SELECT s.id, ${kind.number(ctx)} AS number, upper(${field(ctx, "s", "currency")}) AS currency,
             ${fromMinor(ctx, field(ctx, "s", "amount"), field(ctx, "s", "currency"))} AS amount,
             ${unix(ctx, field(ctx, "s", "created"))} AS billed_at, ${field(ctx, "s", kind.parent.field)} AS parent_id, x.customer_id
        FROM ${ctx.source("stripe", kind.stream)} s
        ${cust.join}
        LEFT JOIN ${xref} x ON x.system = 'stripe' AND x.record_id = ${cust.customer}
       WHERE ${live("s")} AND ${field(ctx, "s", "status")} = ${ctx.d.literal(kind.status)}
    ),
    ns_cur AS (SELECT c.id, upper(${field(ctx, "c", "symbol")}) AS code FROM ${ctx.source("netsuite", "currency")} c WHERE ${live("c")}),
    erp AS (
      SELECT 'netsuite' AS system, t.id AS erp_id, NULLIF(${field(ctx, "t", "externalid")}, '') AS external_id,
             ${field(ctx, "t", "memo")} AS memo, x.customer_id, coalesce(cur.code, upper(${field(ctx, "t", "currency")})) AS currency,
             abs(${ctx.d.cast("t.foreigntotal", "numeric")}) AS amount, CAST(t.trandate AS date) AS erp_date
        FROM ${ctx.source("netsuite", "transaction")} t
        LEFT JOIN ns_cur cur ON cur.id = ${field(ctx, "t", "currency")}
        LEFT JOIN ${xref} x ON x.system = 'netsuite' AND x.record_id = ${field(ctx, "t", "entity")}
       WHERE ${live("t")} AND ${field(ctx, "t", "type")} = ${ctx.d.literal(kind.netsuiteType)}
      UNION ALL
      SELECT 'erp_file', e.credit_no, NULLIF(e.billing_ref, ''), ${ctx.d.cast("NULL", "text")}, x.customer_id, upper(e.currency),
             abs(${ctx.d.cast("e.gross_amount", "numeric")}), CAST(e.credit_date AS date)
        FROM ${ctx.source("erp_files", "credits")} e
        LEFT JOIN ${xref} x ON x.system = 'erp_file' AND x.record_id = e.customer_no
       WHERE ${live("e")} AND lower(e.type) = ${ctx.d.literal(kind.erpFileType)}
    ),
    ${erpMatches(ctx, "billing", "erp")},
    paired AS (
      SELECT 'stripe:' || b.id AS ${kind.name}_key, coalesce(b.customer_id, e.customer_id) AS customer_id,
             b.id AS ${id}, b.number AS stripe_${kind.name}_number, b.parent_id AS ${kind.parent.column},
             b.currency AS billing_currency, b.amount AS billing_amount, b.billed_at AS billing_created_at,
             e.system AS erp_system, e.erp_id AS ${erpId}, e.currency AS erp_currency, e.amount AS erp_amount, e.erp_date,
             m.method AS match_method, coalesce(b.currency, e.currency) AS currency,
             coalesce(CAST(b.billed_at AS date), e.erp_date) AS doc_date, coalesce(b.amount, e.amount) AS amount
        FROM billing b LEFT JOIN matches m ON m.id = b.id LEFT JOIN erp e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, e.system, e.erp_id, e.currency,
             e.amount, e.erp_date, NULL, e.currency, e.erp_date, e.amount
        FROM erp e WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, c.entity, round(p.amount * ${reportingRate(ctx, "fx", "p.currency", "p.doc_date")}, 2) AS amount_reporting,
           ${reportingCurrencyColumn(ctx)}
      FROM paired p
      LEFT JOIN ${ctx.ref("customer")} c ON c.customer_id = p.customer_id
      ${fxJoin(ctx, "fx", "p.currency", "p.doc_date")}`;
    },
  });
}

/** Succeeded Stripe refunds beside ERP refunds (NetSuite CustRfnd, legacy ERP credits of type refund). */
export const refund = creditModel({
  name: "refund",
  description:
    "Stripe refunds and ERP refund postings side by side, one row per succeeded refund and per unmatched ERP refund, with how they were matched.",
  stream: "refunds",
  status: "succeeded",
  parent: { column: "stripe_charge_id", field: "charge", description: "The Stripe charge refunded." },
  netsuiteType: "CustRfnd",
  erpFileType: "refund",
  // A Stripe refund names its charge, not the customer.
  stripeCustomer: (ctx) => ({
    join: `LEFT JOIN ${ctx.source("stripe", "charges")} ch ON ch.id = ${field(ctx, "s", "charge")}`,
    customer: field(ctx, "ch", "customer"),
  }),
  number: (ctx) => ctx.d.cast("NULL", "text"),
});

/** Issued Stripe credit notes beside ERP credit memos (NetSuite CustCred, legacy ERP credits of type credit_note). */
export const creditNote = creditModel({
  name: "credit_note",
  description:
    "Stripe credit notes and ERP credit memos side by side, one row per issued credit note and per unmatched ERP credit memo, with how they were matched.",
  stream: "credit_notes",
  status: "issued",
  parent: { column: "stripe_invoice_id", field: "invoice", description: "The Stripe invoice credited." },
  netsuiteType: "CustCred",
  erpFileType: "credit_note",
  stripeCustomer: (ctx) => ({ join: "", customer: field(ctx, "s", "customer") }),
  number: (ctx) => field(ctx, "s", "number"),
});
