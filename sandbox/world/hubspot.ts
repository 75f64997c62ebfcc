import type { World } from "./context.js";

/**
 * The world with HubSpot as its CRM (`trueup world generate --crm hubspot`): the same customers,
 * contracts and hazards as the Salesforce world of the seed (every draw is the same), with the
 * CRM's accounts and opportunities written as HubSpot companies and deals in the CRM v3 API's
 * shape, and every reference to a Salesforce id (Stripe metadata, NetSuite and Zendesk external
 * ids, the legacy ERP's CRM column, truth.json's keys) made the HubSpot id of the same record.
 */

type Rec = Record<string, unknown>;

/** HubSpot numbers its objects; companies and deals each from a base of their own. */
const COMPANY_ID_BASE = 9_800_000_001;
const DEAL_ID_BASE = 14_200_000_001;

const STAGES: Record<string, string> = {
  "Closed Won": "closedwon",
  "Closed Lost": "closedlost",
  Negotiation: "contractsent",
  Proposal: "presentationscheduled",
};

const INDUSTRIES: Record<string, string> = {
  Technology: "COMPUTER_SOFTWARE",
  Retail: "RETAIL",
  Finance: "FINANCIAL_SERVICES",
  Healthcare: "HOSPITAL_HEALTH_CARE",
  Manufacturing: "MACHINERY",
};

/** Salesforce's `…+0000` as HubSpot's ISO 8601 with milliseconds. */
const iso = (sf: unknown) => new Date(String(sf).replace("+0000", "Z")).toISOString();

/** What a website is to HubSpot's `domain`: the host, without scheme, `www.` or path. */
export function hubspotDomain(website: string): string {
  return website
    .replace(/^https?:\/\//, "")
    .replace(/^www\./, "")
    .replace(/\/.*$/, "");
}

/** The custom company properties reverse ETL fills: defined in the portal, unset in the world. */
const HEALTH_PROPERTIES = [
  "trueup_billing_status",
  "trueup_overdue_amount",
  "trueup_last_payment_date",
  "trueup_arr",
  "trueup_health_score",
  "trueup_key",
];

export interface HubspotWorld {
  companies: Rec[];
  deals: Rec[];
  /** The HubSpot id of a Salesforce account or opportunity id. */
  idOf: (sfId: string) => string;
}

function company(a: Rec, id: string, parent: string | undefined): Rec {
  const created = iso(a.CreatedDate);
  const modified = iso(a.SystemModstamp);
  const properties: Rec = {
    createdate: created,
    domain: hubspotDomain(String(a.Website)),
    hs_lastmodifieddate: modified,
    hs_object_id: id,
    hs_parent_company_id: parent ?? null,
    hubspot_owner_id: String(Number(String(a.OwnerId).slice(-5)) + 70_000_000),
    industry: INDUSTRIES[String(a.Industry)] ?? null,
    lifecyclestage: "customer",
    name: a.Name,
    website: a.Website,
  };
  for (const p of HEALTH_PROPERTIES) properties[p] = null;
  const out: Rec = {
    id,
    properties,
    createdAt: created,
    updatedAt: modified,
    archived: Boolean(a.IsDeleted),
  };
  if (a.IsDeleted) out.archivedAt = modified;
  return out;
}

function deal(o: Rec, id: string, companyId: string): Rec {
  const created = iso(o.CreatedDate);
  const modified = iso(o.SystemModstamp);
  const stage = String(o.StageName);
  return {
    id,
    properties: {
      amount: String(o.Amount),
      closedate: `${String(o.CloseDate)}T00:00:00.000Z`,
      contract_end_date: o.Contract_End_Date__c ?? null,
      contract_start_date: o.Contract_Start_Date__c ?? null,
      createdate: created,
      deal_currency_code: o.CurrencyIsoCode,
      dealname: o.Name,
      dealstage: STAGES[stage] ?? "appointmentscheduled",
      hs_is_closed: String(Boolean(o.IsClosed)),
      hs_is_closed_won: String(Boolean(o.IsWon)),
      hs_lastmodifieddate: modified,
      hs_object_id: id,
      pipeline: "default",
      support_tier: o.Support_Tier__c ?? null,
    },
    createdAt: created,
    updatedAt: modified,
    archived: Boolean(o.IsDeleted),
    associations: { companies: { results: [{ id: companyId, type: "deal_to_company" }] } },
  };
}

const RENAMED_KEYS: Record<string, string> = {
  salesforce_account_id: "hubspot_company_id",
  salesforce_opportunity_id: "hubspot_deal_id",
};

/** Replaces, in place, every Salesforce id (bare or as `salesforce:<id>`) by the HubSpot id. */
function translate(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === "string") {
    if (ids.has(value)) return ids.get(value);
    if (value.startsWith("salesforce:") && ids.has(value.slice(11)))
      return `hubspot:${ids.get(value.slice(11))}`;
    return value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = translate(value[i], ids);
    return value;
  }
  if (value && typeof value === "object") {
    const o = value as Rec;
    const keys = Object.keys(o);
    for (const k of keys) o[k] = translate(o[k], ids);
    if (keys.some((k) => Object.hasOwn(RENAMED_KEYS, k))) {
      // Rebuilt so that a renamed key keeps its place (`metadata` keeps its order).
      const entries = keys.map((k) => [Object.hasOwn(RENAMED_KEYS, k) ? RENAMED_KEYS[k]! : k, o[k]] as const);
      for (const k of keys) delete o[k];
      for (const [k, v] of entries) o[k] = v;
    }
  }
  return value;
}

/**
 * Makes the world's CRM HubSpot: companies and deals from its accounts and opportunities (in
 * the order they are written), and the Salesforce ids every other system and the truth holds
 * rewritten. Call after the accounts and opportunities are sorted for writing.
 */
export function toHubspotWorld(world: World): HubspotWorld {
  const ids = new Map<string, string>();
  world.accounts.forEach((a, i) => ids.set(String(a.Id), String(COMPANY_ID_BASE + i)));
  world.opportunities.forEach((o, i) => ids.set(String(o.Id), String(DEAL_ID_BASE + i)));
  const idOf = (sfId: string) => ids.get(sfId) ?? sfId;
  const companies = world.accounts.map((a) =>
    company(a, idOf(String(a.Id)), a.ParentId ? idOf(String(a.ParentId)) : undefined),
  );
  const deals = world.opportunities.map((o) => deal(o, idOf(String(o.Id)), idOf(String(o.AccountId))));
  for (const part of [
    world.stripeCustomers,
    world.subscriptions,
    world.invoices,
    world.charges,
    world.refunds,
    world.creditNotes,
    world.nsTransactions,
    world.nsLines,
    world.nsCustomers,
    world.orgs,
    world.tickets,
    world.erpCustomerRows,
    world.erpInvoices,
    world.erpPayments,
    world.erpCredits,
    world.truth,
  ])
    translate(part, ids);
  return { companies, deals, idOf };
}
