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
    // HubSpot as the CRM (instead of Salesforce, or beside it after an acquisition): a declarative
    // REST source over its CRM v3 API, no TypeScript. Turn it on with `enabled: true` and set
    // HUBSPOT_ACCESS_TOKEN (a private app's token); docs/sources.md explains each key.
    hubspot: {
      type: "rest",
      enabled: false,
      baseUrl: "https://api.hubapi.com",
      baseUrlEnv: "HUBSPOT_BASE_URL",
      auth: { type: "bearer", tokenEnv: "HUBSPOT_ACCESS_TOKEN" },
      // Private apps may send 100 requests per 10 s, and search 5 a second.
      requestsPerSecond: 4,
      concurrency: 2,
      resources: {
        // Search filtered on hs_lastmodifieddate: a run reads only what changed since the last.
        companies: {
          path: "/crm/v3/objects/companies/search",
          method: "POST",
          body: {
            limit: 100,
            filterGroups: [
              {
                filters: [
                  { propertyName: "hs_lastmodifieddate", operator: "GTE", value: "{incremental.start}" },
                ],
              },
            ],
            sorts: [{ propertyName: "hs_lastmodifieddate", direction: "ASCENDING" }],
            properties: [
              "name",
              "domain",
              "website",
              "hs_parent_company_id",
              "hubspot_owner_id",
              "industry",
              "createdate",
              "hs_lastmodifieddate",
            ],
          },
          records: "results",
          paginator: { type: "cursor", cursorPath: "paging.next.after", param: "after", location: "body" },
          // Search serves at most 10,000 results a query: past them the pass searches again from
          // the latest hs_lastmodifieddate it has seen.
          incremental: {
            cursorPath: "updatedAt",
            initialValue: "2015-01-01T00:00:00Z",
            lookbackSeconds: 600,
            resultCeiling: 10000,
          },
        },
        // Deals with their company: search does not return associations, the list does (read in
        // full each run; only deals changed since the last run land).
        deals: {
          path: "/crm/v3/objects/deals",
          params: {
            limit: 100,
            associations: "companies",
            properties:
              "dealname,amount,deal_currency_code,dealstage,closedate,contract_start_date,contract_end_date,support_tier,hs_is_closed_won,createdate,hs_lastmodifieddate",
          },
          records: "results",
          paginator: { type: "cursor", cursorPath: "paging.next.after", param: "after" },
          incremental: { cursorPath: "updatedAt", initialValue: "2015-01-01T00:00:00Z" },
        },
      },
    },
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
    // HubSpot company properties trueup fills (custom properties defined in the portal).
    hubspot: {
      companies: [
        "trueup_billing_status",
        "trueup_overdue_amount",
        "trueup_last_payment_date",
        "trueup_arr",
        "trueup_health_score",
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
      // Customers whose CRM is HubSpot (none while sources.hubspot is off).
      name: "hubspot_company_health",
      model: "canonical.customer_health",
      destination: { system: "hubspot", object: "companies" },
      matchKey: { column: "hubspot_company_id", field: "id" },
      mapping: {
        trueup_billing_status: "billing_status",
        trueup_overdue_amount: "overdue_amount_reporting",
        trueup_last_payment_date: "last_payment_date",
        trueup_arr: "arr_reporting",
        trueup_health_score: "health_score",
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
