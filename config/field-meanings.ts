/**
 * What the destinations' own fields are in canonical terms, so the ownership check (ownership.ts)
 * follows a field's meaning, not its name. Facts about the vendors' objects; the destinations
 * that write them are in reverse/destinations/.
 */

/** Per destination object: destination field → the canonical field it is (`entity.field`). */
export type FieldMeanings = Record<string, Record<string, { field: string; home?: string }>>;

/**
 * What Salesforce's own fields are, in canonical terms: the account owner is `customer.owner`
 * whatever a model calls the column it maps there. `home` is the system of record when the
 * config's ownership does not name one.
 */
export const salesforceMeanings: FieldMeanings = {
  Account: {
    OwnerId: { field: "customer.owner", home: "salesforce" },
    Name: { field: "customer.legal_name" },
    Website: { field: "customer.domain" },
    Billing_Status__c: { field: "customer.billing_status" },
  },
  Opportunity: {
    OwnerId: { field: "customer.owner", home: "salesforce" },
    Support_Tier__c: { field: "customer.support_tier", home: "salesforce" },
    Amount: { field: "contract.acv", home: "salesforce" },
    StageName: { field: "contract.stage", home: "salesforce" },
  },
};

/** What Zendesk's own organization fields are, in canonical terms. */
export const zendeskMeanings: FieldMeanings = {
  organizations: {
    name: { field: "customer.legal_name" },
    domain_names: { field: "customer.domain" },
    "organization_fields.support_tier": { field: "customer.support_tier" },
    "organization_fields.billing_status": { field: "customer.billing_status" },
  },
};

/**
 * What HubSpot's own company and deal properties are, in canonical terms: with HubSpot as the
 * CRM, the record owner and the deal's amount and stage are HubSpot's own.
 */
export const hubspotMeanings: FieldMeanings = {
  companies: {
    hubspot_owner_id: { field: "customer.owner", home: "hubspot" },
    name: { field: "customer.legal_name" },
    domain: { field: "customer.domain" },
    trueup_billing_status: { field: "customer.billing_status" },
  },
  deals: {
    hubspot_owner_id: { field: "customer.owner", home: "hubspot" },
    support_tier: { field: "customer.support_tier", home: "hubspot" },
    amount: { field: "contract.acv", home: "hubspot" },
    dealstage: { field: "contract.stage", home: "hubspot" },
  },
};
