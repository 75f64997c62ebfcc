import { defineModel } from "../define.js";
import type { ModelContext } from "../interfaces.js";
import { field } from "./sql.js";

/**
 * Survivorship: which system's value a canonical field takes, from the ownership matrix in config
 * (`ownership["customer.legal_name"] = "netsuite"` …). The owner comes first; the two ERPs stand
 * in for each other (EU customers live in the file-based ERP); then CRM, billing, support.
 */
function priority(ctx: ModelContext, fieldName: string, alias: string): string {
  const owner = ctx.config.ownership[`customer.${fieldName}`];
  const order = [
    owner === "erp_files" ? "erp_file" : owner,
    ...(owner === "netsuite" || owner === "erp_files" ? ["netsuite", "erp_file"] : []),
    ...ctx.config.roles.crm,
    "netsuite",
    "erp_file",
    "stripe",
    ...ctx.config.roles.support,
  ].filter((s, i, a): s is string => !!s && a.indexOf(s) === i);
  return `CASE ${alias}.system ${order.map((s, i) => `WHEN '${s}' THEN ${i}`).join(" ")} ELSE 99 END`;
}

export const customer = defineModel({
  name: "customer",
  materialized: "table",
  uniqueKey: ["customer_id"],
  tags: ["finance", "cs"],
  description:
    "One row per real-world customer, across CRM, billing, both ERPs and support. Field values follow the ownership matrix (survivorship).",
  columns: {
    customer_id: { description: "Canonical customer id.", tests: ["not_null", "unique"] },
    name: { description: "Legal name, from the system that owns customer.legal_name (default: the ERP)." },
    domain: { description: "Normalized web domain." },
    entity: {
      description: "Legal entity: us (NetSuite) or eu (legacy ERP files).",
      tests: [{ accepted_values: ["us", "eu"] }],
    },
    owner_id: { description: "Account owner, from the CRM." },
    salesforce_account_id: {
      description:
        "Salesforce account (the earliest, when the CRM holds duplicates); NULL when the customer is in another CRM.",
    },
    hubspot_company_id: { description: "HubSpot company (the earliest, when the CRM holds duplicates)." },
    crm_system: { description: "The CRM of crm_account_id (the first of roles.crm holding the customer)." },
    crm_account_id: { description: "The customer's account in its CRM, whichever CRM that is." },
    stripe_customer_id: { description: "Billing customer." },
    netsuite_customer_id: { description: "NetSuite customer internal id (US entity)." },
    zendesk_organization_id: { description: "Support organization." },
    erp_file_customer_id: { description: "Legacy ERP customer number (EU entity)." },
    records: { description: "How many system records the customer has (duplicates included)." },
  },
  sql: (ctx) => {
    const xref = ctx.ref("customer_xref");
    const pick = (system: string) =>
      `min(CASE WHEN x.system = ${ctx.d.literal(system)} AND NOT x.is_duplicate THEN x.record_id END)`;
    // The customer's CRM: the first system of roles.crm that holds one of its records.
    const firstCrm = (value: (system: string) => string) =>
      `CASE ${ctx.config.roles.crm.map((system) => `WHEN ${pick(system)} IS NOT NULL THEN ${value(system)}`).join(" ")} END`;
    return `
    WITH named AS (
      SELECT x.customer_id, x.name, row_number() OVER (PARTITION BY x.customer_id ORDER BY ${priority(ctx, "legal_name", "x")}, x.is_duplicate, x.record_id) AS rn
        FROM ${xref} x WHERE x.name IS NOT NULL
    ),
    domains AS (
      SELECT x.customer_id, x.domain, row_number() OVER (PARTITION BY x.customer_id ORDER BY ${priority(ctx, "domain", "x")}, x.record_id) AS rn
        FROM ${xref} x WHERE x.domain IS NOT NULL
    ),
    ids AS (
      SELECT x.customer_id, ${pick("salesforce")} AS salesforce_account_id, ${pick("hubspot")} AS hubspot_company_id,
             ${firstCrm((system) => ctx.d.literal(system))} AS crm_system, ${firstCrm(pick)} AS crm_account_id,
             ${pick("stripe")} AS stripe_customer_id,
             ${pick("netsuite")} AS netsuite_customer_id, ${pick("zendesk")} AS zendesk_organization_id,
             ${pick("erp_file")} AS erp_file_customer_id, count(*) AS records, min(x.created_at) AS first_seen_at
        FROM ${xref} x GROUP BY x.customer_id
    )
    SELECT i.customer_id, nm.name, d.domain,
           coalesce(${field(ctx, "sc", "metadata", "entity")},
                    CASE WHEN i.netsuite_customer_id IS NOT NULL THEN 'us' WHEN i.erp_file_customer_id IS NOT NULL THEN 'eu' END) AS entity,
           ca.owner_id,
           i.salesforce_account_id, i.stripe_customer_id, i.netsuite_customer_id, i.zendesk_organization_id,
           i.erp_file_customer_id, i.records, i.first_seen_at, i.hubspot_company_id, i.crm_system, i.crm_account_id
      FROM ids i
      LEFT JOIN named nm ON nm.customer_id = i.customer_id AND nm.rn = 1
      LEFT JOIN domains d ON d.customer_id = i.customer_id AND d.rn = 1
      LEFT JOIN ${ctx.source("stripe", "customers")} sc ON sc.id = i.stripe_customer_id
      LEFT JOIN ${ctx.ref("conformed.crm_account")} ca ON ca.system = i.crm_system AND ca.account_id = i.crm_account_id`;
  },
});
