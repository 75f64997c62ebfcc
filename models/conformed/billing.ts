import { crmLink, field, fromMinor, live, unix } from "../canonical/sql.js";
import type { ColumnDoc, ModelContext, ModelDefinition } from "../interfaces.js";
import { mapping, stagingRows, systemColumn, type RelationSpec, union } from "./role.js";

/**
 * The billing role of the conformed layer: customers, subscriptions, invoices, payments, refunds
 * and credit notes of whichever billing systems fill `roles.billing` (Stripe built in). Amounts
 * are in major units (a system billing in minor units converts them in its mapping); times are
 * timestamps; ids are text. The canonical models read only these relations.
 */

const system: ColumnDoc = {
  description: "The billing system the record is in (stripe, or a system of your own).",
};
const customerRef: ColumnDoc = { description: "The billing customer it belongs to, in the same system." };
const currency: ColumnDoc = { description: "ISO currency code, upper case." };

const CUSTOMER: RelationSpec = {
  role: "billing",
  name: "billing_customer",
  columns: {
    system,
    customer_id: { description: "The customer's id in its billing system.", tests: ["not_null"] },
    name: { description: "Customer name." },
    email: { description: "Billing email (its domain is an identity resolution signal)." },
    crm_account_id: { description: "The CRM account the billing system says it is, if it says." },
    entity: { description: "The legal entity that bills it (us, eu), if the billing system records one." },
    created_at: { description: "When the customer was created." },
  },
};

const SUBSCRIPTION: RelationSpec = {
  role: "billing",
  name: "billing_subscription",
  columns: {
    system,
    subscription_id: { description: "The subscription's id.", tests: ["not_null"] },
    customer_id: customerRef,
    status: {
      description: "active, trialing, past_due, canceled, incomplete_expired, … (Stripe's vocabulary).",
    },
    opportunity_id: {
      description: "The CRM opportunity (deal) it was sold as, if the billing system names one.",
    },
    currency,
    start_date: { description: "The date the subscription started." },
    canceled_at: { description: "When it was canceled, if it was." },
    annual_amount: {
      description: "What it bills a year, major units: Σ unit price × quantity × periods a year.",
    },
  },
};

const INVOICE: RelationSpec = {
  role: "billing",
  name: "billing_invoice",
  columns: {
    system,
    invoice_id: { description: "The invoice's id.", tests: ["not_null"] },
    number: { description: "The invoice number printed on it (what an ERP memo may quote)." },
    customer_id: customerRef,
    subscription_id: { description: "The subscription it bills, if any." },
    status: { description: "draft, open, paid, void or uncollectible." },
    currency,
    amount: { description: "Total in major units." },
    finalized_at: { description: "When it was finalized (NULL for a draft)." },
    paid_at: { description: "When it was paid." },
    due_at: { description: "When it falls due." },
    created_at: { description: "When it was created." },
  },
};

const PAYMENT: RelationSpec = {
  role: "billing",
  name: "billing_payment",
  columns: {
    system,
    payment_id: { description: "The payment's (Stripe: charge's) id.", tests: ["not_null"] },
    customer_id: customerRef,
    invoice_id: { description: "The invoice it pays, if known." },
    status: { description: "succeeded, pending or failed." },
    currency,
    amount: { description: "Amount in major units." },
    refunded: { description: "Amount refunded on it, major units (0 when none)." },
    paid_at: { description: "When it was made." },
  },
};

const REFUND: RelationSpec = {
  role: "billing",
  name: "billing_refund",
  columns: {
    system,
    refund_id: { description: "The refund's id.", tests: ["not_null"] },
    payment_id: { description: "The payment refunded." },
    customer_id: customerRef,
    number: { description: "A document number, if the system gives refunds one (Stripe does not)." },
    status: { description: "succeeded, pending, failed or canceled." },
    currency,
    amount: { description: "Amount in major units." },
    created_at: { description: "When it was created." },
  },
};

const CREDIT_NOTE: RelationSpec = {
  role: "billing",
  name: "billing_credit_note",
  columns: {
    system,
    credit_note_id: { description: "The credit note's id.", tests: ["not_null"] },
    invoice_id: { description: "The invoice it credits." },
    customer_id: customerRef,
    number: { description: "The credit note number (what an ERP memo may quote)." },
    status: { description: "issued or void." },
    currency,
    amount: { description: "Amount in major units." },
    created_at: { description: "When it was created." },
  },
};

/** Stripe: amounts in minor units by the currency's exponent, times as Unix seconds. */
const stripe = (ctx: ModelContext, alias: string) => {
  const f = (...k: string[]) => field(ctx, alias, ...k);
  return {
    f,
    amount: (k: string) => fromMinor(ctx, f(k), f("currency")),
    time: (...k: string[]) => unix(ctx, f(...k)),
    currency: `upper(${f("currency")}) AS currency`,
  };
};

export const billingCustomerStripe = mapping(CUSTOMER, "stripe", (ctx) => {
  const s = stripe(ctx, "c");
  return `
    SELECT ${systemColumn(ctx, "stripe")}, c.id AS customer_id, ${s.f("name")} AS name, ${s.f("email")} AS email,
           ${crmLink(ctx, "c")} AS crm_account_id, ${s.f("metadata", "entity")} AS entity, ${s.time("created")} AS created_at
      FROM ${stagingRows(ctx, "stripe", "customers")} c
     WHERE ${live("c")} AND coalesce(${s.f("deleted")}, 'false') <> 'true'`;
});

export const billingSubscriptionStripe = mapping(SUBSCRIPTION, "stripe", (ctx) => {
  const s = stripe(ctx, "s");
  // A subscription item's text at `path` (items unnested below as `it`).
  const it = (path: string[]) => ctx.d.jsonPath("it.value", path);
  return `
    SELECT ${systemColumn(ctx, "stripe")}, s.id AS subscription_id, ${s.f("customer")} AS customer_id, ${s.f("status")} AS status,
           ${crmLink(ctx, "s", "opportunity")} AS opportunity_id, ${s.currency},
           CAST(${unix(ctx, `coalesce(${s.f("start_date")}, ${s.f("created")})`)} AS date) AS start_date,
           ${s.time("canceled_at")} AS canceled_at,
           (SELECT sum(${fromMinor(ctx, it(["price", "unit_amount"]), s.f("currency"))}
                       * coalesce(${ctx.d.cast(it(["quantity"]), "numeric")}, 1)
                       * CASE ${it(["price", "recurring", "interval"])} WHEN 'year' THEN 1 WHEN 'month' THEN 12 WHEN 'week' THEN 52 WHEN 'day' THEN 365 ELSE 1 END
                       / coalesce(${ctx.d.cast(it(["price", "recurring", "interval_count"]), "numeric")}, 1))
              FROM ${ctx.d.jsonArrayElements(ctx.d.jsonGet("s._trueup_payload", ["items", "data"]), "it")}) AS annual_amount
      FROM ${stagingRows(ctx, "stripe", "subscriptions")} s
     WHERE ${live("s")}`;
});

export const billingInvoiceStripe = mapping(INVOICE, "stripe", (ctx) => {
  const s = stripe(ctx, "i");
  // From API version 2025-03-31.basil an invoice names its subscription under parent.
  return `
    SELECT ${systemColumn(ctx, "stripe")}, i.id AS invoice_id, ${s.f("number")} AS number, ${s.f("customer")} AS customer_id,
           coalesce(${s.f("subscription")}, ${s.f("parent", "subscription_details", "subscription")}) AS subscription_id,
           ${s.f("status")} AS status, ${s.currency}, ${s.amount("total")} AS amount,
           ${s.time("status_transitions", "finalized_at")} AS finalized_at, ${s.time("status_transitions", "paid_at")} AS paid_at,
           ${s.time("due_date")} AS due_at, ${s.time("created")} AS created_at
      FROM ${stagingRows(ctx, "stripe", "invoices")} i
     WHERE ${live("i")}`;
});

export const billingPaymentStripe = mapping(PAYMENT, "stripe", (ctx) => {
  const s = stripe(ctx, "ch");
  const p = (...k: string[]) => field(ctx, "p", ...k);
  return `
    WITH invoice_payment AS (
      -- From API version 2025-03-31.basil a charge no longer names its invoice: the invoice's paid
      -- invoice_payment names the charge, or the payment intent the charge belongs to (ch_/pi_ ids
      -- never collide, so one key column holds both).
      SELECT coalesce(${p("payment", "charge")}, ${p("payment", "payment_intent")}) AS paid_by, min(${p("invoice")}) AS invoice_id
        FROM ${stagingRows(ctx, "stripe", "invoice_payments")} p
       WHERE ${live("p")} AND ${p("status")} = 'paid'
       GROUP BY coalesce(${p("payment", "charge")}, ${p("payment", "payment_intent")})
    )
    SELECT ${systemColumn(ctx, "stripe")}, ch.id AS payment_id, ${s.f("customer")} AS customer_id,
           coalesce(${s.f("invoice")}, ip_charge.invoice_id, ip_intent.invoice_id) AS invoice_id, ${s.f("status")} AS status,
           ${s.currency}, ${s.amount("amount")} AS amount,
           ${fromMinor(ctx, `coalesce(${s.f("amount_refunded")}, '0')`, s.f("currency"))} AS refunded, ${s.time("created")} AS paid_at
      FROM ${stagingRows(ctx, "stripe", "charges")} ch
      LEFT JOIN invoice_payment ip_charge ON ip_charge.paid_by = ch.id
      LEFT JOIN invoice_payment ip_intent ON ip_intent.paid_by = ${s.f("payment_intent")}
     WHERE ${live("ch")}`;
});

export const billingRefundStripe = mapping(REFUND, "stripe", (ctx) => {
  const s = stripe(ctx, "r");
  // A Stripe refund names its charge, not the customer.
  return `
    SELECT ${systemColumn(ctx, "stripe")}, r.id AS refund_id, ${s.f("charge")} AS payment_id,
           ${field(ctx, "ch", "customer")} AS customer_id, ${ctx.d.cast("NULL", "text")} AS number, ${s.f("status")} AS status,
           ${s.currency}, ${s.amount("amount")} AS amount, ${s.time("created")} AS created_at
      FROM ${stagingRows(ctx, "stripe", "refunds")} r
      LEFT JOIN ${ctx.source("stripe", "charges")} ch ON ch.id = ${s.f("charge")}
     WHERE ${live("r")}`;
});

export const billingCreditNoteStripe = mapping(CREDIT_NOTE, "stripe", (ctx) => {
  const s = stripe(ctx, "n");
  return `
    SELECT ${systemColumn(ctx, "stripe")}, n.id AS credit_note_id, ${s.f("invoice")} AS invoice_id, ${s.f("customer")} AS customer_id,
           ${s.f("number")} AS number, ${s.f("status")} AS status, ${s.currency}, ${s.amount("amount")} AS amount,
           ${s.time("created")} AS created_at
      FROM ${stagingRows(ctx, "stripe", "credit_notes")} n
     WHERE ${live("n")}`;
});

const every = (what: string) => `Every live ${what} of every billing system in roles.billing, in one shape.`;

export const billingModels: ModelDefinition[] = [
  billingCustomerStripe,
  union(CUSTOMER, every("customer")),
  billingSubscriptionStripe,
  union(SUBSCRIPTION, every("subscription")),
  billingInvoiceStripe,
  union(INVOICE, every("invoice (drafts included: finalized_at is NULL)")),
  billingPaymentStripe,
  union(PAYMENT, every("payment (charge), whatever its status")),
  billingRefundStripe,
  union(REFUND, every("refund")),
  billingCreditNoteStripe,
  union(CREDIT_NOTE, every("credit note")),
];
