import { SALESFORCE_FIELDS } from "./reference/salesforce-fields.js";
import type { Rng } from "./rng.js";

type Rec = Record<string, unknown>;
export type SalesforceObject = keyof typeof SALESFORCE_FIELDS;

const STREETS = [
  "Market Street",
  "Main Street",
  "Harbour Road",
  "Industriestraße",
  "King's Road",
  "Elm Avenue",
];
const PLACES = [
  { city: "San Francisco", state: "CA", postalCode: "94105", country: "United States" },
  { city: "Austin", state: "TX", postalCode: "78701", country: "United States" },
  { city: "New York", state: "NY", postalCode: "10013", country: "United States" },
  { city: "Berlin", state: null, postalCode: "10115", country: "Germany" },
  { city: "London", state: null, postalCode: "EC1V 9HX", country: "United Kingdom" },
  { city: "Tokyo", state: null, postalCode: "100-0005", country: "Japan" },
];
const TITLES = ["VP Finance", "Controller", "Head of Operations", "IT Manager", "Procurement Lead", "CFO"];
const SOURCES = ["Web", "Partner Referral", "Trade Show", "Phone Inquiry", "Other"];

/** A user id of the org (record owners, creators, last modifiers). */
const userId = (rng: Rng) => `005${"0".repeat(10)}${String(rng.int(1, 25)).padStart(5, "0")}`;

/**
 * Salesforce's compound address: the component fields, and one object holding them (null when
 * every component is), as the REST API returns both.
 */
function address(prefix: string, rng: Rng, present: boolean): Rec {
  const place = present ? rng.pick(PLACES) : undefined;
  const parts = {
    street: place
      ? `${rng.int(1, 999)} ${rng.pick(STREETS)}${rng.chance(0.3) ? `\nSuite ${rng.int(100, 900)}` : ""}`
      : null,
    city: place?.city ?? null,
    state: place?.state ?? null,
    postalCode: place?.postalCode ?? null,
    country: place?.country ?? null,
    latitude: null,
    longitude: null,
    geocodeAccuracy: null,
  };
  return {
    [`${prefix}Street`]: parts.street,
    [`${prefix}City`]: parts.city,
    [`${prefix}State`]: parts.state,
    [`${prefix}PostalCode`]: parts.postalCode,
    [`${prefix}Country`]: parts.country,
    [`${prefix}Latitude`]: null,
    [`${prefix}Longitude`]: null,
    [`${prefix}GeocodeAccuracy`]: null,
    [`${prefix}Address`]: place ? parts : null,
  };
}

const phone = (rng: Rng) =>
  `+1 (${rng.int(200, 989)}) ${rng.int(200, 999)}-${String(rng.int(0, 9999)).padStart(4, "0")}`;

function accountExtras(r: Rec, rng: Rng): Rec {
  const billing = rng.chance(0.8);
  return {
    ...address("Billing", rng, billing),
    ...address("Shipping", rng, billing && rng.chance(0.5)),
    Phone: rng.chance(0.7) ? phone(rng) : null,
    AnnualRevenue: rng.chance(0.4) ? rng.int(5, 900) * 100_000 : null,
    NumberOfEmployees: rng.chance(0.6) ? rng.int(5, 5000) : null,
    Ownership: rng.pick(["Private", "Public", null]),
    AccountSource: rng.pick([...SOURCES, null]),
    YearStarted: rng.chance(0.3) ? String(rng.int(1980, 2022)) : null,
    CleanStatus: "Pending",
    CreatedById: userId(rng),
    LastModifiedById: userId(rng),
    LastModifiedDate: r.SystemModstamp,
  };
}

function contactExtras(r: Rec, rng: Rng): Rec {
  return {
    Name: `${String(r.FirstName)} ${String(r.LastName)}`,
    Salutation: rng.pick(["Mr.", "Ms.", "Mx.", "Dr.", null]),
    ...address("Other", rng, false),
    ...address("Mailing", rng, rng.chance(0.6)),
    Phone: rng.chance(0.6) ? phone(rng) : null,
    MobilePhone: rng.chance(0.3) ? phone(rng) : null,
    Title: rng.pick([...TITLES, null]),
    Department: rng.pick(["Finance", "IT", "Operations", null]),
    LeadSource: rng.pick([...SOURCES, null]),
    CurrencyIsoCode: "USD",
    OwnerId: userId(rng),
    CreatedById: userId(rng),
    LastModifiedById: userId(rng),
    LastModifiedDate: r.SystemModstamp,
    IsEmailBounced: false,
    PhotoUrl: `/services/images/photo/${String(r.Id)}`,
    CleanStatus: "Pending",
    IsPriorityRecord: false,
  };
}

const PROBABILITY: Record<string, number> = {
  "Closed Won": 100,
  "Closed Lost": 0,
  Negotiation: 90,
  Proposal: 75,
};
const FORECAST: Record<string, string> = {
  "Closed Won": "Closed",
  "Closed Lost": "Omitted",
  Negotiation: "Commit",
  Proposal: "Pipeline",
};

function opportunityExtras(r: Rec, rng: Rng): Rec {
  const stage = String(r.StageName);
  const probability = PROBABILITY[stage] ?? 10;
  const close = String(r.CloseDate);
  const year = Number(close.slice(0, 4));
  const quarter = Math.floor((Number(close.slice(5, 7)) - 1) / 3) + 1;
  const amount = typeof r.Amount === "number" ? r.Amount : null;
  return {
    IsPrivate: false,
    Probability: probability,
    ExpectedRevenue: amount === null ? null : Math.round(amount * probability) / 100,
    Type: rng.pick(["New Business", "Existing Business"]),
    LeadSource: rng.pick([...SOURCES, null]),
    ForecastCategory: FORECAST[stage] ?? "Pipeline",
    ForecastCategoryName: FORECAST[stage] ?? "Pipeline",
    HasOpportunityLineItem: false,
    OwnerId: userId(rng),
    CreatedById: userId(rng),
    LastModifiedById: userId(rng),
    LastModifiedDate: r.SystemModstamp,
    PushCount: rng.int(0, 3),
    LastStageChangeDate: r.SystemModstamp,
    FiscalQuarter: quarter,
    FiscalYear: year,
    Fiscal: `${year} ${quarter}`,
    HasOpenActivity: false,
    HasOverdueTask: false,
  };
}

/** Each object's fields in describe's order, standard then custom. */
const FIELD_NAMES = Object.fromEntries(
  Object.entries(SALESFORCE_FIELDS).map(([o, f]) => [
    o,
    [...Object.keys(f.standard), ...Object.keys(f.custom)],
  ]),
) as Record<SalesforceObject, string[]>;

const EXTRAS: Record<SalesforceObject, (r: Rec, rng: Rng) => Rec> = {
  Account: accountExtras,
  Contact: contactExtras,
  Opportunity: opportunityExtras,
};

/**
 * A record with every field the object's describe lists, in describe's order: the generator's
 * own values first, then plausible values for the rest of the standard fields, null where an org
 * like this one leaves them empty (Description among them). A field the generator sets that the
 * field list does not have is a bug in the generator, so it throws.
 */
export function fullSalesforceRecord(object: SalesforceObject, r: Rec, rng: Rng): Rec {
  const extras = EXTRAS[object](r, rng);
  const out: Rec = {};
  for (const name of FIELD_NAMES[object]) out[name] = name in r ? r[name] : (extras[name] ?? null);
  for (const name of Object.keys(r))
    if (!(name in out))
      throw new Error(
        `Salesforce ${object} field ${name} is not in the field list: add it to sandbox/world/reference/salesforce-fields.ts`,
      );
  return out;
}
