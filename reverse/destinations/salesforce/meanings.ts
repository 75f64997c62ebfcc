import type { FieldMeanings } from "../../governance/ownership.js";

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
