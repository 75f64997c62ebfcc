import { defineModel } from "../define.js";
import type { ModelContext } from "../interfaces.js";
import { recordSystem } from "../conformed/role.js";

/**
 * Survivorship: which system's value a canonical field takes, from the ownership matrix in config
 * (`ownership["customer.legal_name"] = "netsuite"` …). The owner comes first; the ERPs stand in
 * for each other (each keeps one entity's books); then CRM, ERP, billing, support, each role in
 * the order of its `roles` list.
 */
function priority(ctx: ModelContext, fieldName: string, alias: string): string {
  const owner = ctx.config.ownership[`customer.${fieldName}`];
  const { crm, erp, billing, support } = ctx.config.roles;
  const order = [owner, ...(owner && erp.includes(owner) ? erp : []), ...crm, ...erp, ...billing, ...support]
    .filter((s, i, a): s is string => !!s && a.indexOf(s) === i)
    .map(recordSystem);
  return `CASE ${alias}.system ${order.map((s, i) => `WHEN ${ctx.d.literal(s)} THEN ${i}`).join(" ")} ELSE 99 END`;
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
      description:
        "Legal entity: as the billing customer records it, else the entity whose ERP holds the customer (us: NetSuite, eu: the legacy ERP files).",
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
    stripe_customer_id: { description: "Stripe customer." },
    billing_system: {
      description:
        "The billing system of billing_customer_id (the first of roles.billing holding the customer).",
    },
    billing_customer_id: { description: "The customer's record in its billing system, whichever that is." },
    erp_system: { description: "The ERP of erp_customer_id (the first of roles.erp holding the customer)." },
    erp_customer_id: { description: "The customer's record in its ERP, whichever that is." },
    netsuite_customer_id: { description: "NetSuite customer internal id (US entity)." },
    zendesk_organization_id: { description: "Support organization." },
    erp_file_customer_id: { description: "Legacy ERP customer number (EU entity)." },
    records: { description: "How many system records the customer has (duplicates included)." },
  },
  sql: (ctx) => {
    const xref = ctx.ref("customer_xref");
    const pick = (system: string) =>
      `min(CASE WHEN x.system = ${ctx.d.literal(system)} AND NOT x.is_duplicate THEN x.record_id END)`;
    // The customer's system in a role: the first of roles.<role> that holds one of its records.
    const first = (systems: string[], value: (system: string) => string) =>
      `CASE ${systems
        .map(recordSystem)
        .map((system) => `WHEN ${pick(system)} IS NOT NULL THEN ${value(system)}`)
        .join(" ")} END`;
    const inRole = (systems: string[], as: string) =>
      `${first(systems, (system) => ctx.d.literal(system))} AS ${as}_system, ${first(systems, pick)} AS ${as}_customer_id`;
    const { roles } = ctx.config;
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
             ${first(roles.crm, (system) => ctx.d.literal(system))} AS crm_system, ${first(roles.crm, pick)} AS crm_account_id,
             ${inRole(roles.billing, "billing")}, ${inRole(roles.erp, "erp")},
             ${pick("stripe")} AS stripe_customer_id,
             ${pick("netsuite")} AS netsuite_customer_id, ${pick("zendesk")} AS zendesk_organization_id,
             ${pick("erp_file")} AS erp_file_customer_id, count(*) AS records, min(x.created_at) AS first_seen_at
        FROM ${xref} x GROUP BY x.customer_id
    )
    SELECT i.customer_id, nm.name, d.domain,
           coalesce(bc.entity, ec.entity) AS entity,
           ca.owner_id,
           i.salesforce_account_id, i.stripe_customer_id, i.netsuite_customer_id, i.zendesk_organization_id,
           i.erp_file_customer_id, i.records, i.first_seen_at, i.hubspot_company_id, i.crm_system, i.crm_account_id,
           i.billing_system, i.billing_customer_id, i.erp_system, i.erp_customer_id
      FROM ids i
      LEFT JOIN named nm ON nm.customer_id = i.customer_id AND nm.rn = 1
      LEFT JOIN domains d ON d.customer_id = i.customer_id AND d.rn = 1
      LEFT JOIN ${ctx.ref("conformed.billing_customer")} bc ON bc.system = i.billing_system AND bc.customer_id = i.billing_customer_id
      LEFT JOIN ${ctx.ref("conformed.erp_customer")} ec ON ec.system = i.erp_system AND ec.customer_id = i.erp_customer_id
      LEFT JOIN ${ctx.ref("conformed.crm_account")} ca ON ca.system = i.crm_system AND ca.account_id = i.crm_account_id`;
  },
});
