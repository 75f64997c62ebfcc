import type { ColumnDoc, ModelDefinition } from "../interfaces.js";
import { field, live } from "../canonical/sql.js";
import {
  blank,
  date,
  isoDate,
  mapping,
  stagingRows,
  systemColumn,
  ts,
  type RelationSpec,
  union,
} from "./role.js";

/**
 * The CRM role of the conformed layer: `conformed.crm_account` and `conformed.crm_opportunity`,
 * one documented shape whichever CRM fills the role (see role.ts). Salesforce's and HubSpot's
 * mappings are built in; a user's own CRM joins by adding
 * `models/conformed/crm_account__<name>.sql` with the same columns. The canonical models read
 * only these relations, never a CRM's staging.
 */

const ACCOUNT_COLUMNS: Record<string, ColumnDoc> = {
  system: { description: "The CRM the record is in (salesforce, hubspot, or a system of your own)." },
  account_id: {
    description: "The account's id in its CRM (a Salesforce Account Id, a HubSpot company id).",
    tests: ["not_null"],
  },
  name: { description: "Account name." },
  website: { description: "Website or domain as the CRM holds it (normalized by identity resolution)." },
  parent_account_id: { description: "The parent account's id in the same CRM, if any." },
  owner_id: { description: "Account owner (user id in the CRM)." },
  created_at: { description: "When the account was created in the CRM." },
};

const OPPORTUNITY_COLUMNS: Record<string, ColumnDoc> = {
  system: { description: "The CRM the record is in." },
  opportunity_id: { description: "The opportunity's (deal's) id in its CRM.", tests: ["not_null"] },
  account_id: { description: "The account (company) it belongs to, in the same CRM." },
  name: { description: "Opportunity name." },
  amount: { description: "Amount: the annual contract value, in currency." },
  currency: { description: "ISO currency code, upper case (USD when the CRM holds none)." },
  is_won: { description: "Closed won (Salesforce StageName 'Closed Won', HubSpot dealstage closedwon)." },
  close_date: { description: "Close date." },
  start_date: { description: "Contract start date." },
  end_date: { description: "Contract end date." },
  support_tier: { description: "Support tier sold: none, standard or premium." },
};

const ACCOUNT: RelationSpec = { role: "crm", name: "crm_account", columns: ACCOUNT_COLUMNS };
const OPPORTUNITY: RelationSpec = { role: "crm", name: "crm_opportunity", columns: OPPORTUNITY_COLUMNS };

export const crmAccountSalesforce = mapping(ACCOUNT, "salesforce", (ctx) => {
  const f = (k: string) => field(ctx, "a", k);
  return `
    SELECT ${systemColumn(ctx, "salesforce")}, a.id AS account_id, ${f("Name")} AS name, ${f("Website")} AS website,
           NULLIF(${f("ParentId")}, '') AS parent_account_id, ${f("OwnerId")} AS owner_id, ${ts(ctx, f("CreatedDate"))} AS created_at
      FROM ${stagingRows(ctx, "salesforce", "Account")} a
     WHERE ${live("a")} AND coalesce(${f("IsDeleted")}, 'false') <> 'true'`;
});

export const crmAccountHubspot = mapping(ACCOUNT, "hubspot", (ctx) => {
  const p = (k: string) => field(ctx, "c", "properties", k);
  return `
    SELECT ${systemColumn(ctx, "hubspot")}, ${field(ctx, "c", "id")} AS account_id, ${p("name")} AS name,
           coalesce(NULLIF(${p("website")}, ''), ${p("domain")}) AS website,
           NULLIF(${p("hs_parent_company_id")}, '') AS parent_account_id, ${p("hubspot_owner_id")} AS owner_id,
           ${ts(ctx, p("createdate"))} AS created_at
      FROM ${ctx.source("hubspot", "companies")} c
     WHERE ${live("c")} AND coalesce(${field(ctx, "c", "archived")}, 'false') <> 'true'`;
});

export const crmOpportunitySalesforce = mapping(OPPORTUNITY, "salesforce", (ctx) => {
  const f = (k: string) => field(ctx, "o", k);
  return `
    SELECT ${systemColumn(ctx, "salesforce")}, o.id AS opportunity_id, ${f("AccountId")} AS account_id, ${f("Name")} AS name,
           ${ctx.d.cast(f("Amount"), "numeric")} AS amount, upper(coalesce(${f("CurrencyIsoCode")}, 'USD')) AS currency,
           (coalesce(${f("StageName")}, '') = 'Closed Won') AS is_won, ${date(ctx, f("CloseDate"))} AS close_date,
           ${date(ctx, f("Contract_Start_Date__c"))} AS start_date, ${date(ctx, f("Contract_End_Date__c"))} AS end_date,
           ${f("Support_Tier__c")} AS support_tier
      FROM ${stagingRows(ctx, "salesforce", "Opportunity")} o
     WHERE ${live("o")} AND coalesce(${f("IsDeleted")}, 'false') <> 'true'`;
});

export const crmOpportunityHubspot = mapping(OPPORTUNITY, "hubspot", (ctx) => {
  const p = (k: string) => field(ctx, "d", "properties", k);
  return `
    SELECT ${systemColumn(ctx, "hubspot")}, ${field(ctx, "d", "id")} AS opportunity_id,
           ${ctx.d.jsonPath("d._trueup_payload", ["associations", "companies", "results", 0, "id"])} AS account_id,
           ${p("dealname")} AS name, ${ctx.d.cast(blank(p("amount")), "numeric")} AS amount,
           upper(coalesce(NULLIF(${p("deal_currency_code")}, ''), 'USD')) AS currency,
           (coalesce(${p("dealstage")}, '') = 'closedwon') AS is_won, ${isoDate(ctx, p("closedate"))} AS close_date,
           ${isoDate(ctx, p("contract_start_date"))} AS start_date, ${isoDate(ctx, p("contract_end_date"))} AS end_date,
           ${p("support_tier")} AS support_tier
      FROM ${ctx.source("hubspot", "deals")} d
     WHERE ${live("d")} AND coalesce(${field(ctx, "d", "archived")}, 'false') <> 'true'`;
});

export const crmAccount = union(
  ACCOUNT,
  "Every live CRM account of every CRM in roles.crm, in one shape: what identity resolution anchors customers on.",
);
export const crmOpportunity = union(
  OPPORTUNITY,
  "Every live CRM opportunity (deal) of every CRM in roles.crm, in one shape: what canonical.contract is built from.",
);

export const crmModels: ModelDefinition[] = [
  crmAccountSalesforce,
  crmAccountHubspot,
  crmAccount,
  crmOpportunitySalesforce,
  crmOpportunityHubspot,
  crmOpportunity,
];
