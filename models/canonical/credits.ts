import { defineModel } from "../define.js";
import type { ModelDefinition } from "../interfaces.js";
import { erpLedger, erpMatches } from "./erp-match.js";
import { CUSTOMER_ENTITY, XREF_MAPPING, fxJoin, reportingCurrencyColumn, reportingRate } from "./sql.js";

/** What differs between the two kinds of money going back to a customer. */
interface CreditKind {
  name: "refund" | "credit_note";
  description: string;
  /** The conformed billing relation, and the status a document must have to be owed to the ERP. */
  relation: "billing_refund" | "billing_credit_note";
  status: string;
  /** The billing document it reduces (payment of a refund, invoice of a credit note). */
  parent: { column: string; stripeColumn: string; field: string; description: string };
}

/**
 * Billing refunds or credit notes (conformed.billing_refund / billing_credit_note) beside the ERP
 * postings that record them (conformed.erp_credit of that kind: NetSuite customer refunds and
 * credit memos for the US entity, the legacy ERP's credits export for the EU entity). Paired as
 * invoices are (external id, else the number in the ERP memo, else customer + currency + amount
 * + date). ERP amounts compare as absolute values: a credit posting may carry its total negative.
 */
function creditModel(kind: CreditKind): ModelDefinition {
  const id = `billing_${kind.name}_id`;
  const erpId = `erp_${kind.name}_id`;
  return defineModel({
    name: kind.name,
    materialized: "table",
    uniqueKey: [`${kind.name}_key`],
    tags: ["finance"],
    description: kind.description,
    columns: {
      [`${kind.name}_key`]: {
        description: `<billing system>:<id> (stripe:re_…) for billing documents, else <erp system>:<id> (netsuite:<id>, erp_file:<credit_no>).`,
        tests: ["not_null"],
      },
      customer_id: { description: "Canonical customer." },
      entity: { description: "us or eu." },
      billing_system: { description: "The billing system of the document (stripe, …; see roles.billing)." },
      [id]: { description: `The billing ${kind.name.replace("_", " ")} id.` },
      [`billing_${kind.name}_number`]: {
        description: "The billing document number (NULL for Stripe refunds).",
      },
      [kind.parent.column]: { description: kind.parent.description },
      [`stripe_${kind.name}_id`]: { description: `${id} when the billing system is Stripe, else NULL.` },
      [`stripe_${kind.name}_number`]: {
        description: `billing_${kind.name}_number when the billing system is Stripe.`,
      },
      [kind.parent.stripeColumn]: { description: `${kind.parent.column} when the billing system is Stripe.` },
      billing_currency: { description: "Billing currency (ISO, upper case)." },
      billing_amount: { description: "Billing amount in major units." },
      billing_created_at: { description: "When the billing system created it." },
      erp_expected_system: {
        description:
          "The ERP keeping the ledger of the customer's entity, where the document is expected (NULL when trueup cannot see it).",
      },
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
      const xref = ctx.ref("customer_xref", XREF_MAPPING);
      return `
    WITH billing AS (
      SELECT s.system, s.${kind.name}_id AS id, s.number, s.currency, s.amount, s.created_at AS billed_at,
             s.${kind.parent.field} AS parent_id, x.customer_id
        FROM ${ctx.ref(`conformed.${kind.relation}`)} s
        LEFT JOIN ${xref} x ON x.system = s.system AND x.record_id = s.customer_id
       WHERE s.status = ${ctx.d.literal(kind.status)}
    ),
    erp AS (
      SELECT e.system, e.credit_id AS erp_id, e.external_id, e.memo, x.customer_id, e.currency, e.amount, e.credit_date AS erp_date
        FROM ${ctx.ref("conformed.erp_credit")} e
        LEFT JOIN ${xref} x ON x.system = e.system AND x.record_id = e.customer_id
       WHERE e.kind = ${ctx.d.literal(kind.name)}
    ),
    ${erpLedger(ctx)},
    ${erpMatches(ctx, "billing", "erp")},
    paired AS (
      SELECT b.system || ':' || b.id AS ${kind.name}_key, coalesce(b.customer_id, e.customer_id) AS customer_id,
             b.system AS billing_system, b.id AS ${id}, b.number AS billing_${kind.name}_number, b.parent_id AS ${kind.parent.column},
             b.currency AS billing_currency, b.amount AS billing_amount, b.billed_at AS billing_created_at,
             e.system AS erp_system, e.erp_id AS ${erpId}, e.currency AS erp_currency, e.amount AS erp_amount, e.erp_date,
             m.method AS match_method, coalesce(b.currency, e.currency) AS currency,
             coalesce(CAST(b.billed_at AS date), e.erp_date) AS doc_date, coalesce(b.amount, e.amount) AS amount
        FROM billing b LEFT JOIN matches m ON m.id = b.id LEFT JOIN erp e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.system, e.erp_id, e.currency,
             e.amount, e.erp_date, NULL, e.currency, e.erp_date, e.amount
        FROM erp e WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, CASE WHEN p.billing_system = 'stripe' THEN p.${id} END AS stripe_${kind.name}_id,
           CASE WHEN p.billing_system = 'stripe' THEN p.billing_${kind.name}_number END AS stripe_${kind.name}_number,
           CASE WHEN p.billing_system = 'stripe' THEN p.${kind.parent.column} END AS ${kind.parent.stripeColumn},
           c.entity, l.system AS erp_expected_system, round(p.amount * ${reportingRate(ctx, "fx", "p.currency", "p.doc_date")}, 2) AS amount_reporting,
           ${reportingCurrencyColumn(ctx)}
      FROM paired p
      LEFT JOIN ${ctx.ref("customer", CUSTOMER_ENTITY)} c ON c.customer_id = p.customer_id
      LEFT JOIN erp_ledger l ON l.entity = c.entity
      ${fxJoin(ctx, "fx", "p.currency", "p.doc_date")}`;
    },
  });
}

/** Succeeded billing refunds beside ERP refunds. */
export const refund = creditModel({
  name: "refund",
  description:
    "Billing refunds and ERP refund postings side by side, one row per succeeded refund and per unmatched ERP refund, with how they were matched.",
  relation: "billing_refund",
  status: "succeeded",
  parent: {
    column: "billing_payment_id",
    stripeColumn: "stripe_charge_id",
    field: "payment_id",
    description: "The billing payment (Stripe charge) refunded.",
  },
});

/** Issued billing credit notes beside ERP credit memos. */
export const creditNote = creditModel({
  name: "credit_note",
  description:
    "Billing credit notes and ERP credit memos side by side, one row per issued credit note and per unmatched ERP credit memo, with how they were matched.",
  relation: "billing_credit_note",
  status: "issued",
  parent: {
    column: "billing_invoice_id",
    stripeColumn: "stripe_invoice_id",
    field: "invoice_id",
    description: "The billing invoice credited.",
  },
});
