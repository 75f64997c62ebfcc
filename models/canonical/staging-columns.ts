import type { StagingShape } from "../absent-sources.js";

/**
 * The staging columns the canonical models read besides the payload and the bookkeeping columns,
 * per `source.stream`: the shape of the empty relation a model reads in place of a staging table
 * whose source is disabled or not loaded yet (see `emptyStaging`). A model reading a new typed
 * column of a stream adds it here, or the run with that source disabled fails on it.
 */
export const CANONICAL_STAGING_COLUMNS: Record<string, StagingShape> = {
  "salesforce.Account": { id: "text" },
  "salesforce.Opportunity": { id: "text" },
  "stripe.customers": { id: "text" },
  "stripe.subscriptions": { id: "text" },
  "stripe.invoices": { id: "text" },
  "stripe.charges": { id: "text" },
  "stripe.refunds": { id: "text" },
  "stripe.credit_notes": { id: "text" },
  "netsuite.customer": { id: "text" },
  "netsuite.transaction": { id: "text", foreigntotal: "numeric", trandate: "date", duedate: "date" },
  "netsuite.currency": { id: "text" },
  "zendesk.organizations": { id: "text" },
  "zendesk.tickets": { id: "text" },
  "erp_files.customers": { customer_no: "text", name: "text", email_domain: "text", crm_account_id: "text" },
  "erp_files.invoices": {
    invoice_no: "text",
    customer_no: "text",
    invoice_date: "date",
    due_date: "date",
    currency: "text",
    gross_amount: "numeric",
    status: "text",
    billing_ref: "text",
  },
  "erp_files.payments": {
    payment_no: "text",
    customer_no: "text",
    payment_date: "date",
    currency: "text",
    amount: "numeric",
    billing_ref: "text",
  },
  "erp_files.credits": {
    credit_no: "text",
    customer_no: "text",
    credit_date: "date",
    currency: "text",
    gross_amount: "numeric",
    type: "text",
    billing_ref: "text",
  },
  "reference.fx_rates": { date: "date", currency: "text", usd_per_unit: "numeric" },
};
