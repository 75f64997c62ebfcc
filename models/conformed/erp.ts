import { field, live } from "../canonical/sql.js";
import type { ColumnDoc, ModelContext, ModelDefinition } from "../interfaces.js";
import { mapping, systemColumn, union, type RelationSpec } from "./role.js";

/**
 * The ERP role of the conformed layer: the customers and the postings (invoices, payments,
 * refunds and credit memos) of whichever ERPs fill `roles.erp`. Built in: NetSuite (the US
 * entity's ledger, read by SuiteQL) and the legacy ERP's CSV exports (source `erp_files`, the EU
 * entity's ledger; its records are keyed `erp_file`, as customer_xref and every discrepancy key
 * have always named them). Amounts are major units, dates are the posting dates as booked.
 */

const system: ColumnDoc = {
  description: "The ERP the record is in (netsuite, erp_file, or a system of your own).",
};
const customerRef: ColumnDoc = { description: "The ERP customer it is posted to, in the same ERP." };
const externalId: ColumnDoc = {
  description:
    "The billing document's id the posting holds (NetSuite externalid, the export's billing_ref), if any.",
};
const memo: ColumnDoc = {
  description: "Free text of the posting (a billing document number may appear in it).",
};
const currency: ColumnDoc = { description: "ISO currency code, upper case." };

const CUSTOMER: RelationSpec = {
  role: "erp",
  name: "erp_customer",
  columns: {
    system,
    customer_id: { description: "The customer's id in its ERP.", tests: ["not_null"] },
    name: { description: "Legal (company) name." },
    website: { description: "Website or email domain, as the ERP holds it." },
    email: { description: "Email, when the ERP holds one (its domain stands in for a missing website)." },
    crm_account_id: { description: "The CRM account the ERP record names, if any." },
    entity: { description: "The legal entity whose ledger the ERP is (us, eu)." },
  },
};

const INVOICE: RelationSpec = {
  role: "erp",
  name: "erp_invoice",
  columns: {
    system,
    invoice_id: { description: "The invoice's id in its ERP.", tests: ["not_null"] },
    number: { description: "The invoice number." },
    customer_id: customerRef,
    status: { description: "open, paid or void." },
    currency,
    amount: { description: "Gross total in major units." },
    invoice_date: { description: "Posting date." },
    due_date: { description: "Due date." },
    external_id: externalId,
    memo,
  },
};

const PAYMENT: RelationSpec = {
  role: "erp",
  name: "erp_payment",
  columns: {
    system,
    payment_id: { description: "The payment's id in its ERP.", tests: ["not_null"] },
    customer_id: customerRef,
    currency,
    amount: { description: "Amount in major units." },
    payment_date: { description: "Posting date." },
    external_id: externalId,
  },
};

const CREDIT: RelationSpec = {
  role: "erp",
  name: "erp_credit",
  columns: {
    system,
    credit_id: { description: "The posting's id in its ERP.", tests: ["not_null"] },
    kind: {
      description: "refund (money paid back) or credit_note (a credit memo against an invoice).",
      tests: [{ accepted_values: ["refund", "credit_note"] }],
    },
    customer_id: customerRef,
    currency,
    amount: {
      description: "Amount in major units, positive (a credit posting may book its total negative).",
    },
    credit_date: { description: "Posting date." },
    external_id: externalId,
    memo,
  },
};

// NetSuite -------------------------------------------------------------------------------------

/** NetSuite transactions of the given types, with the currency's ISO code (SuiteQL gives its id). */
function netsuiteTransactions(ctx: ModelContext, select: string, where: string): string {
  const t = (k: string) => field(ctx, "t", k);
  return `
    SELECT ${systemColumn(ctx, "netsuite")}, t.id, ${t("entity")} AS customer_id,
           coalesce(cur.code, upper(${t("currency")})) AS currency, CAST(t.trandate AS date) AS posted_on,
           NULLIF(${t("externalid")}, '') AS external_id, ${select}
      FROM ${ctx.source("netsuite", "transaction")} t
      LEFT JOIN (SELECT c.id, upper(${field(ctx, "c", "symbol")}) AS code FROM ${ctx.source("netsuite", "currency")} c WHERE ${live("c")}) cur
        ON cur.id = ${t("currency")}
     WHERE ${live("t")} AND ${where}`;
}

const netsuiteType = (ctx: ModelContext, types: string[]) =>
  `${field(ctx, "t", "type")} IN (${types.map((x) => ctx.d.literal(x)).join(", ")})`;

export const erpCustomerNetsuite = mapping(CUSTOMER, "netsuite", (ctx) => {
  const n = (k: string) => field(ctx, "n", k);
  // This company's NetSuite is the US entity's ledger; a NetSuite with several subsidiaries maps
  // each customer's subsidiary to its entity in a mapping model of its own.
  return `
    SELECT ${systemColumn(ctx, "netsuite")}, n.id AS customer_id, coalesce(${n("companyname")}, ${n("entityid")}) AS name,
           ${n("url")} AS website, ${n("email")} AS email, NULLIF(${n("externalid")}, '') AS crm_account_id,
           ${ctx.d.cast("'us'", "text")} AS entity
      FROM ${ctx.source("netsuite", "customer")} n
     WHERE ${live("n")}`;
});

export const erpInvoiceNetsuite = mapping(INVOICE, "netsuite", (ctx) => {
  const t = (k: string) => field(ctx, "t", k);
  return `
    SELECT system, id AS invoice_id, number, customer_id, status, currency, amount, posted_on AS invoice_date, due_date, external_id, memo
      FROM (${netsuiteTransactions(
        ctx,
        `${t("tranid")} AS number, ${t("memo")} AS memo, CAST(t.duedate AS date) AS due_date,
           ${ctx.d.cast("t.foreigntotal", "numeric")} AS amount,
           CASE ${t("status")} WHEN 'A' THEN 'open' WHEN 'B' THEN 'paid' WHEN 'V' THEN 'void' ELSE lower(${t("status")}) END AS status`,
        netsuiteType(ctx, ["CustInvc"]),
      )}) ns`;
});

export const erpPaymentNetsuite = mapping(
  PAYMENT,
  "netsuite",
  (ctx) => `
    SELECT system, id AS payment_id, customer_id, currency, amount, posted_on AS payment_date, external_id
      FROM (${netsuiteTransactions(ctx, `${ctx.d.cast("t.foreigntotal", "numeric")} AS amount`, netsuiteType(ctx, ["CustPymt"]))}) ns`,
);

export const erpCreditNetsuite = mapping(CREDIT, "netsuite", (ctx) => {
  const t = (k: string) => field(ctx, "t", k);
  return `
    SELECT system, id AS credit_id, kind, customer_id, currency, amount, posted_on AS credit_date, external_id, memo
      FROM (${netsuiteTransactions(
        ctx,
        `CASE ${t("type")} WHEN 'CustRfnd' THEN 'refund' ELSE 'credit_note' END AS kind, ${t("memo")} AS memo,
           abs(${ctx.d.cast("t.foreigntotal", "numeric")}) AS amount`,
        netsuiteType(ctx, ["CustRfnd", "CustCred"]),
      )}) ns`;
});

// The legacy ERP's CSV exports -----------------------------------------------------------------

const erpFile = (ctx: ModelContext) => systemColumn(ctx, "erp_file");

export const erpCustomerErpFiles = mapping(
  CUSTOMER,
  "erp_files",
  (ctx) => `
    SELECT ${erpFile(ctx)}, e.customer_no AS customer_id, e.name, e.email_domain AS website, ${ctx.d.cast("NULL", "text")} AS email,
           NULLIF(e.crm_account_id, '') AS crm_account_id, ${ctx.d.cast("'eu'", "text")} AS entity
      FROM ${ctx.source("erp_files", "customers")} e
     WHERE ${live("e")}`,
);

export const erpInvoiceErpFiles = mapping(
  INVOICE,
  "erp_files",
  (ctx) => `
    SELECT ${erpFile(ctx)}, e.invoice_no AS invoice_id, e.invoice_no AS number, e.customer_no AS customer_id, lower(e.status) AS status,
           upper(e.currency) AS currency, ${ctx.d.cast("e.gross_amount", "numeric")} AS amount, CAST(e.invoice_date AS date) AS invoice_date,
           CAST(e.due_date AS date) AS due_date, NULLIF(e.billing_ref, '') AS external_id, ${ctx.d.cast("NULL", "text")} AS memo
      FROM ${ctx.source("erp_files", "invoices")} e
     WHERE ${live("e")}`,
);

export const erpPaymentErpFiles = mapping(
  PAYMENT,
  "erp_files",
  (ctx) => `
    SELECT ${erpFile(ctx)}, p.payment_no AS payment_id, p.customer_no AS customer_id, upper(p.currency) AS currency,
           ${ctx.d.cast("p.amount", "numeric")} AS amount, CAST(p.payment_date AS date) AS payment_date, NULLIF(p.billing_ref, '') AS external_id
      FROM ${ctx.source("erp_files", "payments")} p
     WHERE ${live("p")}`,
);

export const erpCreditErpFiles = mapping(
  CREDIT,
  "erp_files",
  (ctx) => `
    SELECT ${erpFile(ctx)}, e.credit_no AS credit_id, lower(e.type) AS kind, e.customer_no AS customer_id, upper(e.currency) AS currency,
           abs(${ctx.d.cast("e.gross_amount", "numeric")}) AS amount, CAST(e.credit_date AS date) AS credit_date,
           NULLIF(e.billing_ref, '') AS external_id, ${ctx.d.cast("NULL", "text")} AS memo
      FROM ${ctx.source("erp_files", "credits")} e
     WHERE ${live("e")} AND lower(e.type) IN ('refund', 'credit_note')`,
);

const every = (what: string) => `Every live ${what} of every ERP in roles.erp, in one shape.`;

export const erpModels: ModelDefinition[] = [
  erpCustomerNetsuite,
  erpCustomerErpFiles,
  union(CUSTOMER, every("customer")),
  erpInvoiceNetsuite,
  erpInvoiceErpFiles,
  union(INVOICE, every("customer invoice")),
  erpPaymentNetsuite,
  erpPaymentErpFiles,
  union(PAYMENT, every("customer payment")),
  erpCreditNetsuite,
  erpCreditErpFiles,
  union(CREDIT, every("customer refund and credit memo")),
];
