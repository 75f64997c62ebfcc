// The example configuration, and the one `trueup demo` uses. Secrets and endpoints come from the
// environment (see docs/configuration.md); this file only says what to do with them.
import { defineConfig } from "./config/define.js";

export const config = defineConfig({
  sources: {
    salesforce: { streams: ["Account", "Contact", "Opportunity"], freshnessHours: 24 },
    stripe: {
      streams: ["customers", "subscriptions", "invoices", "charges", "refunds", "credit_notes"],
      // Stripe objects can surface in created-filtered lists minutes after their created time.
      lookbackSeconds: 600,
      freshnessHours: 24,
    },
    netsuite: { streams: ["customer", "transaction", "transactionline", "currency"], dateFormat: "M/D/YYYY" },
    zendesk: { streams: ["organizations", "tickets"] },
    erp_files: {
      files: [
        {
          pattern: "customers_*.csv",
          stream: "customers",
          primaryKey: ["customer_no"],
          columns: {},
        },
        {
          pattern: "invoices_*.csv",
          stream: "invoices",
          primaryKey: ["invoice_no"],
          columns: {
            invoice_date: "date",
            due_date: "date",
            net_amount: "numeric",
            tax_amount: "numeric",
            gross_amount: "numeric",
          },
        },
        {
          pattern: "payments_*.csv",
          stream: "payments",
          primaryKey: ["payment_no"],
          columns: { payment_date: "date", amount: "numeric" },
        },
        {
          // Credit memos and refunds: `type` credit_note or refund, billing_ref the Stripe id.
          pattern: "credits_*.csv",
          stream: "credits",
          primaryKey: ["credit_no"],
          columns: {
            credit_date: "date",
            net_amount: "numeric",
            tax_amount: "numeric",
            gross_amount: "numeric",
          },
        },
      ],
    },
  },
  fx: { reportingCurrency: "USD" },
  reconciliation: {
    amountTolerance: 0.01,
    contractTolerance: 0.005,
    windowDays: 3,
    ownerTeams: {
      invoice_missing_in_erp: "accounting",
      invoice_missing_in_billing: "billing-ops",
      invoice_amount_mismatch: "accounting",
      invoice_status_mismatch: "collections",
      invoice_currency_mismatch: "billing-ops",
      payment_missing_in_erp: "accounting",
      payment_amount_mismatch: "accounting",
      refund_missing_in_erp: "accounting",
      credit_note_missing_in_erp: "accounting",
      credit_note_amount_mismatch: "accounting",
      contract_amount_mismatch: "revops",
      contract_missing_subscription: "revops",
      entitlement_mismatch: "customer-success",
      duplicate_customer: "data-stewards",
    },
  },
  // Which system is the system of record for each canonical field. Reverse ETL never writes a
  // field into its own system of record.
  ownership: {
    "customer.legal_name": "netsuite",
    "customer.owner": "salesforce",
    "customer.support_tier": "salesforce",
    "customer.billing_status": "stripe",
  },
  // The only destination fields trueup may write at all.
  writable: {
    salesforce: {
      Account: [
        "Billing_Status__c",
        "Overdue_Amount__c",
        "Last_Payment_Date__c",
        "ARR__c",
        "Health_Score__c",
      ],
    },
    zendesk: {
      organizations: [
        "organization_fields.billing_status",
        "organization_fields.arr",
        "organization_fields.health_score",
        "organization_fields.support_tier",
      ],
    },
  },
  syncs: [
    {
      name: "salesforce_account_health",
      model: "canonical.customer_health",
      destination: { system: "salesforce", object: "Account" },
      matchKey: { column: "salesforce_account_id", field: "Id" },
      mapping: {
        Billing_Status__c: "billing_status",
        Overdue_Amount__c: "overdue_amount_reporting",
        Last_Payment_Date__c: "last_payment_date",
        ARR__c: "arr_reporting",
        Health_Score__c: "health_score",
      },
      mode: "update",
    },
    {
      name: "zendesk_organization_health",
      model: "canonical.customer_health",
      destination: { system: "zendesk", object: "organizations" },
      matchKey: { column: "zendesk_organization_id", field: "id" },
      mapping: {
        "organization_fields.billing_status": "billing_status",
        "organization_fields.arr": "arr_reporting",
        "organization_fields.health_score": "health_score",
      },
      mode: "update",
    },
    {
      name: "zendesk_support_tier_correction",
      model: "canonical.support_tier_corrections",
      destination: { system: "zendesk", object: "organizations" },
      matchKey: { column: "zendesk_organization_id", field: "id" },
      mapping: { "organization_fields.support_tier": "contract_support_tier" },
      mode: "update",
      requiresApproval: true,
    },
  ],
  schedules: [{ name: "hourly", cron: "0 * * * *", select: "*" }],
});
